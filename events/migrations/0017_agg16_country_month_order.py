"""The country-month rollup's index in the answer's order (country name, code, month), for a
country × month aggregate read without grouping or sorting; it replaces the index in the code's
order, whose only reader was the grouped statement this spares."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0016_rollups"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="countrymonthrollup",
            name="country_month_rollup_read_idx",
        ),
        migrations.AddIndex(
            model_name="countrymonthrollup",
            index=models.Index(
                fields=["status", "country_name", "country_code", "month"],
                include=("events", "fatalities", "first_date", "last_date"),
                name="country_month_rollup_order_idx",
            ),
        ),
    ]
