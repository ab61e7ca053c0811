# Holding and Assignment now belong to licences (licences 0001 took them over in state); their tables stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("authorizations", "0003_entered_by_hand"),
        ("licences", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Assignment"),
                migrations.DeleteModel(name="Holding"),
            ],
            database_operations=[],
        ),
    ]
