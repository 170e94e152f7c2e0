"""Choices shared by studies and participants."""

from __future__ import annotations

from django.db import models


class Segment(models.TextChoices):
    LARGE = "large", "Large"
    MID_MARKET = "mid_market", "Mid-Market"
    SMB = "smb", "SMB"


class Region(models.TextChoices):
    AMER = "amer", "AMER"
    EMEA = "emea", "EMEA"
    APAC = "apac", "APAC"
    LATAM = "latam", "LATAM"


class Tier(models.TextChoices):
    FREE = "free", "Free"
    PREMIUM = "premium", "Premium"
    ULTIMATE = "ultimate", "Ultimate"


class Deployment(models.TextChoices):
    SELF_MANAGED = "self_managed", "Self-managed"
    SAAS = "saas", "SaaS"
    DEDICATED = "dedicated", "Dedicated"


class CompanySize(models.TextChoices):
    SIZE_1_100 = "1-100", "1–100 employees"
    SIZE_101_1000 = "101-1000", "101–1,000 employees"
    SIZE_1001_5000 = "1001-5000", "1,001–5,000 employees"
    SIZE_5001_PLUS = "5001+", "5,001+ employees"
