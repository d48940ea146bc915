# A column of its own, NULL for now: MariaDB adds a nullable column at the end of a table
# instantly (no copy, whatever the table's size), and the next migration fills it in.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ticket", "0004_redemptions"),
    ]

    operations = [
        migrations.AddField(
            model_name="revokedtoken",
            name="token_key",
            field=models.CharField(max_length=20, null=True),
        ),
    ]
