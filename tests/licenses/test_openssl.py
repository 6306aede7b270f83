"""The signature verifies with OpenSSL 3 outside Yiwang, and OpenSSL's signatures verify in Yiwang."""

import base64
import os
import shutil
import subprocess

import pytest
from tongsuopy.crypto import serialization

from tests.licenses.conftest import business_fields
from yiwang.licenses import services, signing
from yiwang.licenses.verification import verify_document

# Skipped on a developer machine without the openssl command; in CI (bin/system-deps installs it) never skipped.
pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None and not os.environ.get("CI"), reason="openssl is not installed"
)
DISTID = f"distid:{signing.DEFAULT_USER_ID}"


def openssl(*args, **kw):
    return subprocess.run(["openssl", *args], capture_output=True, text=True, **kw)  # noqa: S603, S607


def test_yiwang_signature_verifies_with_openssl(tmp_path, business_type, bureau, company):
    lic = services.issue(
        license_type=business_type,
        issuer=bureau,
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(),
    )
    (tmp_path / "license.json").write_bytes(signing.canonical_bytes(services.payload_of(lic)))
    (tmp_path / "license.sig").write_bytes(bytes(lic.signature))
    (tmp_path / "pub.pem").write_text(lic.signing_key.public_key_pem)
    cmd = ["dgst", "-sm3", "-verify", "pub.pem", "-signature", "license.sig", "-sigopt", DISTID, "license.json"]
    ok = openssl(*cmd, cwd=tmp_path)
    assert ok.returncode == 0 and "Verified OK" in ok.stdout
    # one changed byte in the document: OpenSSL refuses it too
    data = (tmp_path / "license.json").read_bytes().replace("有限责任公司".encode(), "股份有限公司".encode())
    (tmp_path / "license.json").write_bytes(data)
    assert openssl(*cmd, cwd=tmp_path).returncode != 0


def test_openssl_signature_verifies_in_yiwang(tmp_path):
    assert (
        openssl(
            "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", "k.pem", cwd=tmp_path
        ).returncode
        == 0
    )
    assert openssl("pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem", cwd=tmp_path).returncode == 0
    data = signing.canonical_bytes({"identifier": "x", "fields": {"名称": "蚌埠"}})
    (tmp_path / "data.json").write_bytes(data)
    assert (
        openssl(
            "dgst", "-sm3", "-sign", "k.pem", "-sigopt", DISTID, "-out", "sig.der", "data.json", cwd=tmp_path
        ).returncode
        == 0
    )
    public = serialization.load_pem_public_key((tmp_path / "pub.pem").read_bytes())
    signature = (tmp_path / "sig.der").read_bytes()
    assert signing.verify(public, signature, data)
    assert not signing.verify(public, signature, data + b" ")


def test_document_export_verifies_through_the_api_shape(business_type, bureau, company):
    lic = services.issue(
        license_type=business_type,
        issuer=bureau,
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(),
    )
    doc = services.payload_of(lic)
    sig = base64.b64decode(base64.b64encode(bytes(lic.signature)))
    assert verify_document(doc, sig).outcome == "valid"
    assert verify_document({**doc, "fields": {**doc["fields"], "capital": "5000"}}, sig).outcome == "forged"
