"""Applicants' files move to the private storage (core.storage, STORAGES["private"]).

Only the field's storage changes here; the files themselves are not touched by a migration (there may be
millions, on object storage). After upgrading, run `yiwang move_private_files` once: it copies every applicant
file still in the default storage into the private one, checks each copy and deletes the public original.
Until then those files are not found by the download pages.
"""

import yiwang.core.storage
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_open_step_queue_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="casematerial",
            name="file",
            field=models.FileField(
                blank=True, max_length=300, storage=yiwang.core.storage.private_storage, upload_to="cases/%Y/%m/"
            ),
        ),
    ]
