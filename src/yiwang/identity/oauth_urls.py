"""OAuth2 endpoints machine clients use: token (client credentials), revocation, introspection."""

from django.urls import path
from oauth2_provider import views as oauth

app_name = "oauth2_provider"
urlpatterns = [
    path("token/", oauth.TokenView.as_view(), name="token"),
    path("revoke/", oauth.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", oauth.IntrospectTokenView.as_view(), name="introspect"),
]
