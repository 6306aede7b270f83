"""Cases keep their last event's sequence number (no max() per event) and, for a short while, the query code for a
retried submission (SM4-encrypted); messages note when their SMS and email went out. Existing cases get their
event_seq from their events."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_uxapply_delivery_choice'),
        ('catalog', '0003_item_form_fields'),
        ('identity', '0001_initial'),
        ('orgs', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='event_seq',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='case',
            name='query_code_retry',
            field=models.CharField(blank=True, editable=False, max_length=120),
        ),
        migrations.AddField(
            model_name='case',
            name='query_code_retry_until',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='message',
            name='sms_sent_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='message',
            name='email_sent_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(
            "UPDATE cases_case SET event_seq = COALESCE("
            "(SELECT MAX(e.seq) FROM cases_caseevent e WHERE e.case_id = cases_case.id), 0)",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('query_code_retry', ''), _negated=True), fields=['query_code_retry_until'], name='case_query_code_retry'),
        ),
    ]
