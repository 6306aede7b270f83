"""Identity API: sign-in, My Space, staff tools, machine clients, real-name checks; each part in its own module."""

from ninja import Router

from . import api_auth, api_clients, api_space, api_staff, api_verify

router = Router(tags=["identity"])
router.add_router("/", api_auth.router)
router.add_router("/", api_space.router)
router.add_router("/", api_staff.router)
router.add_router("/", api_clients.router)
router.add_router("/", api_verify.router)
