"""Identity pages: sign-in and registration, My Space, staff tools, machine-client management."""

from .views import auth, clients, space, staff

app_name = "identity"
urlpatterns = [*auth.urlpatterns, *space.urlpatterns, *staff.urlpatterns, *clients.urlpatterns]
