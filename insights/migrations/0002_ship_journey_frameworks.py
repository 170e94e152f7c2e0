"""Ship the journey frameworks every installation starts with.

The data is written out here, not imported from the app, so this migration keeps
working whatever later code does. Rerunning it changes nothing.
"""

from django.db import migrations
from django.utils.text import slugify

# (name, description, [(stage, owning team, measured by, [(metric, owner, baseline, target, unit)])])
FRAMEWORKS = [
    (
        "CX journey",
        "The customer-experience journey from first hearing of the product to growing with it.",
        [
            (
                "Awareness",
                "Marketing",
                "Share of target accounts that know the product category.",
                [("Aided awareness in target accounts", "Marketing", 32, 45, "%")],
            ),
            (
                "Evaluation",
                "Sales",
                "Trials and proofs of concept started and converted.",
                [
                    ("Trial-to-paid conversion", "Growth", 9, 14, "%"),
                    ("Days from first contact to technical win", "Sales", 46, 30, "days"),
                ],
            ),
            (
                "Purchase",
                "Sales",
                "Time and effort from verbal yes to signed order.",
                [("Days from verbal yes to signed order", "Deal desk", 21, 10, "days")],
            ),
            (
                "Onboarding",
                "Customer Success",
                "Time from purchase to first value.",
                [
                    ("Days from purchase to first value", "Customer Success", 38, 14, "days"),
                    ("Licences activated after 30 days", "Customer Success", 54, 80, "%"),
                ],
            ),
            (
                "Adoption",
                "Product",
                "Breadth and depth of feature use across teams.",
                [
                    ("Stages used per account", "Product", 2.4, 4, "stages"),
                    ("Weekly active users / seats", "Product", 61, 75, "%"),
                ],
            ),
            (
                "Expansion",
                "Account Management",
                "Up-tiers, added seats and renewals.",
                [
                    ("Net revenue retention", "Finance", 112, 125, "%"),
                    ("Premium to Ultimate up-tier rate", "Account Management", 6, 10, "%"),
                ],
            ),
        ],
    ),
    (
        "Customer-success lifecycle",
        "The post-sale lifecycle that customer success managers run.",
        [
            (
                "Onboarding",
                "Customer Success",
                "Kick-off held and success plan agreed.",
                [("Days from purchase to kick-off", "Customer Success", 12, 5, "days")],
            ),
            (
                "Implementation",
                "Professional Services",
                "Environment live and integrated.",
                [("Days from kick-off to production use", "Professional Services", 45, 30, "days")],
            ),
            (
                "Adoption",
                "Customer Success",
                "Teams using the product in their daily work.",
                [("Licences activated", "Customer Success", 62, 85, "%")],
            ),
            (
                "Optimize & Grow",
                "Account Management",
                "Value reviews held and growth found.",
                [("Executive business reviews per year", "Customer Success", 1, 2, "reviews")],
            ),
        ],
    ),
    (
        "User adoption journey",
        "An individual user's path from first hearing of the product to advocating for it.",
        [
            ("Awareness", "Marketing", "Reach in the target audience.", []),
            ("Initial Contact", "Marketing", "First visit, sign-up or event conversation.", []),
            ("Consideration", "Product Marketing", "Comparison and hands-on evaluation.", []),
            ("Enter Buying Cycle", "Sales", "An opportunity is opened.", []),
            (
                "Decision/Purchase",
                "Sales",
                "The order is signed.",
                [("Win rate on qualified opportunities", "Sales", 24, 30, "%")],
            ),
            ("Adoption", "Customer Success", "Daily use by the team.", []),
            (
                "Reference",
                "Customer Marketing",
                "Willing to speak for the product.",
                [("Referenceable customers", "Customer Marketing", 140, 200, "accounts")],
            ),
            ("Contribute", "Community", "Contributes back to the product or community.", []),
        ],
    ),
    (
        "Contributor journey",
        "A developer's path from first hearing of the product to spreading it in their company.",
        [
            ("Aware", "Developer Relations", "Knows the product exists.", []),
            ("Download", "Growth", "Downloaded or signed up.", []),
            (
                "Install",
                "Growth",
                "Has a working installation.",
                [("Installs completed / downloads", "Growth", 58, 70, "%")],
            ),
            ("Single User Experience", "Product", "Uses it alone for real work.", []),
            (
                "Invite Other Users",
                "Growth",
                "Brings in teammates.",
                [("Accounts inviting a second user in 14 days", "Growth", 37, 50, "%")],
            ),
            ("Adopt All Features", "Product", "Uses the product across stages.", []),
            (
                "Invite Other Departments",
                "Account Management",
                "Spreads beyond the first team.",
                [],
            ),
            ("Internal Reference", "Customer Success", "Champions it inside the company.", []),
        ],
    ),
]


def ship_frameworks(apps, schema_editor):
    JourneyFramework = apps.get_model("insights", "JourneyFramework")
    Stage = apps.get_model("insights", "Stage")
    StageMetric = apps.get_model("insights", "StageMetric")
    for name, description, stages in FRAMEWORKS:
        framework, _ = JourneyFramework.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "description": description}
        )
        for position, (stage_name, team, measured_by, metrics) in enumerate(stages, start=1):
            stage, _ = Stage.objects.get_or_create(
                framework=framework,
                slug=slugify(stage_name),
                defaults={
                    "name": stage_name,
                    "position": position,
                    "owning_team": team,
                    "measured_by": measured_by,
                },
            )
            for metric_name, owner, baseline, target, unit in metrics:
                StageMetric.objects.get_or_create(
                    stage=stage,
                    name=metric_name,
                    defaults={"owner": owner, "baseline": baseline, "target": target, "unit": unit},
                )


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_journey_frameworks")]

    operations = [migrations.RunPython(ship_frameworks, migrations.RunPython.noop)]
