from tests.editor.fixtures import admin_a, admin_b, clerk, org_a, org_b, superuser, sysadmin  # noqa: F401
