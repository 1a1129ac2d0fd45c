# Placeholder, filled in by the work on this part of the foundation.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("credit_portal", "0001_initial")]
    operations = []
