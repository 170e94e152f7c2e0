from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cxresearch.login import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm
from insights.views import journey as journey_views

admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", journey_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("interviews.urls")),
    path("", include("insights.urls")),
    path("", include("jobs.urls")),
    path("profile/", include("api.page_urls")),
    path("api/v1/", include("api.urls")),
]
