"""Search postings per shared doc (a base item's text, a department's names) instead of per entry."""

import django.db.models.deletion
from django.db import migrations, models


def clear_index(apps, schema_editor):
    """The index is derived data in a new shape: empty it here; `yiwang reindex_catalog` rebuilds it."""
    for name in ("SearchToken", "SearchEntry", "SearchTerm"):
        apps.get_model("catalog", name).objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_search_fields'),
    ]

    operations = [
        migrations.RunPython(clear_index, migrations.RunPython.noop),
        migrations.CreateModel(
            name='SearchDoc',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=40, unique=True)),
                ('group_key', models.CharField(default='', max_length=13)),
                ('entries', models.PositiveIntegerField(default=0)),
                ('lead', models.PositiveIntegerField(null=True)),
                ('lead_boost', models.FloatField(default=0.0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='searchtoken',
            name='search_token_entry',
        ),
        migrations.RemoveField(
            model_name='searchtoken',
            name='entry',
        ),
        migrations.AddField(
            model_name='searchterm',
            name='docs',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='department',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.searchdoc'),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='text',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.searchdoc'),
        ),
        migrations.AddField(
            model_name='searchtoken',
            name='doc',
            field=models.ForeignKey(default=None, on_delete=django.db.models.deletion.CASCADE, related_name='tokens', to='catalog.searchdoc'),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(fields=['text', 'department'], name='search_text_dept'),
        ),
        migrations.AddIndex(
            model_name='searchtoken',
            index=models.Index(fields=['token', 'doc', 'weight'], name='search_token_doc'),
        ),
    ]
