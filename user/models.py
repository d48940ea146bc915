from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A customer (or a staff member). Emails are unique: they identify customers."""

    email = models.EmailField("email address", unique=True)
