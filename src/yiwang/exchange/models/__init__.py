"""The exchange module's tables, one concern per file (resources, lists, access, calls, events, webhooks)."""

from .access import AccessRequest, Grant, RequestStatus
from .calls import LATENCY_BUCKETS, CallChannel, CallDay, CallSequence, CallStatus, DataCall
from .events import EventKind, ExchangeEvent
from .lists import Demand, DemandStatus, Duty, DutyStatus, NegativeEntry
from .resources import (
    DataFormat,
    DataResource,
    DataService,
    FieldType,
    Frequency,
    ProvidedKey,
    ProvidedRecord,
    ResourceStatus,
    ResourceToken,
    ResourceVersion,
    Sensitivity,
    SharingType,
    SubjectKind,
)
from .webhooks import Delivery, DeliveryStatus, Subscription

__all__ = [
    "LATENCY_BUCKETS",
    "AccessRequest",
    "CallChannel",
    "CallDay",
    "CallSequence",
    "CallStatus",
    "DataCall",
    "DataFormat",
    "DataResource",
    "DataService",
    "Delivery",
    "DeliveryStatus",
    "Demand",
    "DemandStatus",
    "Duty",
    "DutyStatus",
    "EventKind",
    "ExchangeEvent",
    "FieldType",
    "Frequency",
    "Grant",
    "NegativeEntry",
    "ProvidedKey",
    "ProvidedRecord",
    "RequestStatus",
    "ResourceStatus",
    "ResourceToken",
    "ResourceVersion",
    "Sensitivity",
    "SharingType",
    "SubjectKind",
    "Subscription",
]
