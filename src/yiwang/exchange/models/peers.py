"""Other cities' platforms (跨域通办, 证照互认): the platform's own exchange key, registered peers, the trust list of
their public keys, cases forwarded to them and received from them, messages waiting to go, and peer licenses seen."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.orgs.models import Organisation


class ExchangeKey(models.Model):
    """This platform's SM2 key for signing what it sends to peers; the private half lives in the licenses key store."""

    key_id = models.CharField(_("key id"), max_length=64, unique=True)
    public_key_pem = models.TextField(_("public key (PEM)"))
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("exchange key")
        verbose_name_plural = _("exchange keys")

    def __str__(self) -> str:
        return self.key_id


class Peer(models.Model):
    """Another city's Yiwang platform: its address, the local organisation that receives its cases, and the machine
    client its forwarded applications are made through (cases.applying, channel api)."""

    code = models.CharField(_("peer code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    base_url = models.URLField(_("address"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("receiving organisation"),
        help_text=_("The local organisation that receives this platform's forwarded applications."),
    )
    client = models.OneToOneField(
        "identity.MachineClient", on_delete=models.SET_NULL, null=True, blank=True, related_name="peer"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("peer platform")
        verbose_name_plural = _("peer platforms")

    def __str__(self) -> str:
        return self.name


class KeyPurpose(models.TextChoices):
    EXCHANGE = "exchange", _("Signs exchange messages")
    LICENSE = "license", _("Signs e-licenses")


class PeerKey(models.Model):
    """One entry of the trust list: a peer's public key, what it signs, and from when to when it is trusted."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(_("key id"), max_length=64)
    purpose = models.CharField(_("purpose"), max_length=10, choices=KeyPurpose.choices)
    issuer_code = models.CharField(_("issuer credit code"), max_length=18, blank=True)
    issuer_name = models.CharField(_("issuer"), max_length=100, blank=True)
    public_key_pem = models.TextField(_("public key (PEM)"))
    valid_from = models.DateTimeField(_("trusted from"), default=timezone.now)
    valid_until = models.DateTimeField(_("trusted until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason"), max_length=300, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["peer", "purpose", "key_id"]
        verbose_name = _("trusted peer key")
        verbose_name_plural = _("trust list")
        constraints = [models.UniqueConstraint(fields=["peer", "key_id"], name="peer_key_once")]

    def __str__(self) -> str:
        return f"{self.peer_id}:{self.key_id}"

    def trusted_at(self, when) -> bool:
        """Whether this key vouched for something made at `when` (revocation withdraws trust from everything)."""
        if self.revoked_at is not None:
            return False
        return self.valid_from <= when and (self.valid_until is None or when <= self.valid_until)


class PeerNonce(models.Model):
    """Nonces of signed requests already accepted from a peer (replays are refused); pruned after the time window."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "nonce"], name="peer_nonce_once")]


class ForwardStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Received by the other platform")
    REFUSED = "refused", _("Refused by the other platform")
    FAILED = "failed", _("Could not be sent")


class ForwardedCase(models.Model):
    """An application taken at a local hall for a peer's item (代收代办), forwarded with its materials; the peer's
    case number and events come back here, so the applicant follows it in this platform."""

    ref = models.CharField(_("forwarding number"), max_length=24, unique=True)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="forwarded")
    item_code = models.CharField(_("item code"), max_length=40)
    item_name = models.CharField(_("item"), max_length=200)
    person = models.ForeignKey("identity.Person", on_delete=models.PROTECT, related_name="+")
    applicant_name = models.CharField(_("applicant"), max_length=200)
    hall = models.ForeignKey("orgs.Hall", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("accepted by")
    )
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    form_data = models.JSONField(default=dict)
    # [{name, file, content_type, size, sha256}] — files in the private storage
    materials = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=ForwardStatus.choices, default=ForwardStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    remote_case_number = models.CharField(_("case number at the other platform"), max_length=40, blank=True)
    remote_state = models.CharField(_("state"), max_length=20, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("forwarded case")
        verbose_name_plural = _("forwarded cases")
        indexes = [
            models.Index(fields=["person", "-created_at"], name="forwarded_person"),
            models.Index(fields=["status", "next_attempt_at"], name="forwarded_due"),
        ]

    def __str__(self) -> str:
        return self.ref


class ForwardedEvent(models.Model):
    """An event of a forwarded case as the handling platform reported it (deduplicated by its sequence)."""

    forwarded = models.ForeignKey(ForwardedCase, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=24)
    to_state = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["forwarded", "seq"]
        constraints = [models.UniqueConstraint(fields=["forwarded", "seq"], name="forwarded_event_once")]


class IncomingCase(models.Model):
    """A case made here from a peer's forwarded application; its events are sent back to the peer."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="incoming")
    origin_ref = models.CharField(max_length=24)
    case_id = models.BigIntegerField(unique=True)
    case_number = models.CharField(max_length=24)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "origin_ref"], name="incoming_once")]


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Gave up")


class PeerMessage(models.Model):
    """A signed message waiting to go to a peer (a case event back to the origin), retried until acknowledged."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    path = models.CharField(max_length=80)
    body = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "key"], name="peer_message_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="peer_message_due")]


class PeerLicense(models.Model):
    """A peer's e-license seen here (found for a holder or presented for verification): the signed document, the
    key that signed it (trust list), and its status as the issuing platform last confirmed it."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="licenses")
    identifier = models.CharField(max_length=120, unique=True)
    type_code = models.CharField(max_length=40)
    type_name = models.CharField(max_length=100, blank=True)
    issuer_code = models.CharField(max_length=18, blank=True)
    issuer_name = models.CharField(max_length=100, blank=True)
    holder_kind = models.CharField(max_length=12)
    holder_hash = models.CharField(max_length=64, db_index=True)
    holder_name = models.CharField(max_length=200, blank=True)
    document = models.JSONField(default=dict)
    signature = models.TextField()
    key_id = models.CharField(max_length=64)
    status = models.CharField(max_length=12, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    status_checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("peer e-license")
        verbose_name_plural = _("peer e-licenses")

    def __str__(self) -> str:
        return self.identifier
