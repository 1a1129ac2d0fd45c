"""The representative and the single record now live in UnitPerson and UnitDishonestyRecord
(copied by 0003)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('units', '0003_copy_representatives_and_records'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='unit',
            name='representative',
        ),
        migrations.RemoveField(
            model_name='unit',
            name='representative_archive',
        ),
        migrations.RemoveField(
            model_name='unitdishonesty',
            name='lineage',
        ),
        migrations.RemoveField(
            model_name='unitdishonesty',
            name='record',
        ),
    ]
