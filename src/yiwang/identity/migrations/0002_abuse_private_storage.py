"""Applicants' files move to the private storage (core.storage, STORAGES["private"]).

Only the field's storage changes here; the files themselves are not touched by a migration (there may be
millions, on object storage). After upgrading, run `yiwang move_private_files` once: it copies every applicant
file still in the default storage into the private one, checks each copy and deletes the public original.
Until then those files are not found by the download pages.
"""

import yiwang.core.storage
import yiwang.identity.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reusablematerial",
            name="file",
            field=models.FileField(
                max_length=300,
                storage=yiwang.core.storage.private_storage,
                upload_to=yiwang.identity.models.material_path,
                verbose_name="file",
            ),
        ),
    ]
