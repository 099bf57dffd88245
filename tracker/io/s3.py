"""An S3 bucket (AWS, MinIO, Ceph, moto...) seen as the few operations sync needs.

Every failure becomes a one-line S3Error; a network failure is its subclass Offline, which
sync queues instead of giving up. Credentials come only from boto3's own chain (environment,
shared credentials file, profile, instance role): this module never reads, stores or prints
them, and its messages name the bucket, the key and the endpoint, nothing more.

Conditional writes are S3's optimistic concurrency: ``IfMatch=<etag>`` replaces an object
only if nobody replaced it since, ``IfNoneMatch="*"`` creates one only if it is not there.
A 412 answer raises PreconditionFailed; a 409 (another conditional write to the same key
was under way) is retried with backoff, as AWS asks.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import boto3
import botocore.exceptions as boto_errors
from botocore.config import Config as BotoConfig

from tracker.config import ENV_S3_BUCKET, ENV_S3_PREFIX

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

CONNECT_TIMEOUT_S: Final = 5.0
READ_TIMEOUT_S: Final = 30.0
CONFLICT_RETRIES: Final = 5
"""409 ConditionalRequestConflict answers retried before giving up."""
CONFLICT_BACKOFF_S: Final = 0.1
"""First wait after a 409; doubled for each retry."""


_NETWORK_ERRORS: Final = (
    boto_errors.EndpointConnectionError,
    boto_errors.ConnectionClosedError,
    boto_errors.ConnectTimeoutError,
    boto_errors.ReadTimeoutError,
    boto_errors.ProxyConnectionError,
    boto_errors.SSLError,
)
_CREDENTIAL_ERRORS: Final = (
    boto_errors.NoCredentialsError,
    boto_errors.PartialCredentialsError,
    boto_errors.CredentialRetrievalError,
)
_DENIED_CODES: Final = frozenset(
    {"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}
)
_MISSING_CODES: Final = frozenset({"NoSuchKey", "404", "NotFound", "NoSuchVersion"})


class S3Error(Exception):
    """A bucket operation that failed; the message is one line."""


class Offline(S3Error):
    """The endpoint could not be reached: worth trying again later."""


class PreconditionFailed(S3Error):
    """A conditional write found the object changed (412)."""


class Missing(S3Error):
    """No such key (or version)."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where projects live: a bucket, a key prefix and, for S3-compatible stores, an endpoint.

    The endpoint None leaves it to boto3 (AWS, or ``AWS_ENDPOINT_URL_S3`` /
    ``AWS_ENDPOINT_URL`` from the environment or the profile).
    """

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None

    def key(self, name: str) -> str:
        return f"{normalized_prefix(self.prefix)}{name}"

    def sample_key(self, file_name: str) -> str:
        """Samples are shared by every project under the prefix: one upload per sound."""
        return f"{normalized_prefix(self.prefix)}samples/{file_name}"


def normalized_prefix(prefix: str) -> str:
    """``songs`` and ``/songs/`` both mean ``songs/``; empty stays empty."""
    stripped = prefix.strip("/")
    return f"{stripped}/" if stripped else ""


def location_from(
    bucket: str | None,
    prefix: str | None,
    endpoint_url: str | None,
    config_bucket: str | None = None,
    config_prefix: str | None = None,
    config_endpoint_url: str | None = None,
) -> Location:
    """Options over the environment over config.toml; S3Error when no bucket is named."""
    chosen = bucket or os.environ.get(ENV_S3_BUCKET) or config_bucket
    if not chosen:
        raise S3Error(f"no bucket is set (s3_bucket in config.toml, {ENV_S3_BUCKET} or --bucket)")
    return Location(
        bucket=chosen,
        prefix=prefix if prefix is not None else os.environ.get(ENV_S3_PREFIX, config_prefix or ""),
        endpoint_url=endpoint_url or config_endpoint_url,
    )


@dataclass(frozen=True, slots=True)
class Stored:
    """An object as fetched: its bytes and the ETag and version that name this content."""

    data: bytes
    etag: str
    version_id: str | None


@dataclass(frozen=True, slots=True)
class Written:
    etag: str
    version_id: str | None


@dataclass(frozen=True, slots=True)
class Version:
    version_id: str
    modified: datetime
    size_bytes: int
    etag: str
    latest: bool


class Bucket:
    """One bucket through one boto3 client; safe to use from one thread at a time."""

    def __init__(self, location: Location, client: S3Client | None = None) -> None:
        self.location = location
        self._client: S3Client = client or _make_client(location.endpoint_url)

    def moved(self, location: Location) -> Bucket:
        """The same client at another location (another prefix)."""
        return Bucket(location, self._client)

    @property
    def endpoint(self) -> str:
        return str(self._client.meta.endpoint_url)

    def url(self, key: str) -> str:
        return f"s3://{self.location.bucket}/{key}"

    def head_etag(self, key: str) -> str | None:
        """The ETag of `key`, None if there is no such key."""
        try:
            with self._errors(key):
                return str(self._client.head_object(Bucket=self.location.bucket, Key=key)["ETag"])
        except Missing:
            pass
        # A HEAD answer has no body to say whether the key or the whole bucket is missing.
        with self._errors(""):
            try:
                self._client.head_bucket(Bucket=self.location.bucket)
            except boto_errors.ClientError as error:
                if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                    raise S3Error(self._no_bucket()) from None
                raise
        return None

    def get(self, key: str, max_bytes: int, version_id: str | None = None) -> Stored:
        """`key` (or one version of it); S3Error if it is longer than max_bytes."""
        extra: dict[str, Any] = {"VersionId": version_id} if version_id else {}
        with self._errors(key, version_id):
            answer = self._client.get_object(Bucket=self.location.bucket, Key=key, **extra)
            size = answer["ContentLength"]
            body = answer["Body"]
            try:
                if size > max_bytes:
                    raise S3Error(f"{self.url(key)} is {size} bytes; at most {max_bytes} taken")
                data = body.read(max_bytes + 1)
            finally:
                body.close()
        if len(data) > max_bytes:
            raise S3Error(f"{self.url(key)} is over {max_bytes} bytes; not taken")
        return Stored(data, str(answer["ETag"]), answer.get("VersionId"))

    def download(self, key: str, max_bytes: int, write: Callable[[bytes], object]) -> None:
        """Stream `key` to `write` in pieces (samples can be large)."""
        with self._errors(key):
            answer = self._client.get_object(Bucket=self.location.bucket, Key=key)
            if answer["ContentLength"] > max_bytes:
                answer["Body"].close()
                raise S3Error(f"{self.url(key)} is {answer['ContentLength']} bytes: too large")
            for piece in answer["Body"].iter_chunks(1 << 20):
                write(piece)

    def put(
        self, key: str, data: bytes | Path, if_match: str | None = None, create: bool = False
    ) -> Written:
        """Write `key`: only over `if_match` if given, only as a new key if `create`.

        PreconditionFailed (412) if the condition does not hold; 409 answers are retried.
        """
        condition: dict[str, Any] = {}
        if if_match is not None:
            condition["IfMatch"] = if_match
        elif create:
            condition["IfNoneMatch"] = "*"
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                with self._errors(key):
                    if isinstance(data, Path):
                        with data.open("rb") as file:
                            answer = self._client.put_object(
                                Bucket=self.location.bucket, Key=key, Body=file, **condition
                            )
                    else:
                        answer = self._client.put_object(
                            Bucket=self.location.bucket, Key=key, Body=data, **condition
                        )
                return Written(str(answer["ETag"]), answer.get("VersionId"))
            except _Conflict:
                if attempt == CONFLICT_RETRIES:
                    break
                time.sleep(CONFLICT_BACKOFF_S * 2**attempt)
        raise S3Error(
            f"{self.url(key)}: another write to it kept conflicting "
            f"({CONFLICT_RETRIES + 1} tries); try again"
        )

    def versions(self, key: str) -> list[Version]:
        """Every stored version of `key`, newest first (one, "null", when unversioned)."""
        found: list[Version] = []
        with self._errors(key):
            pages = self._client.get_paginator("list_object_versions").paginate(
                Bucket=self.location.bucket, Prefix=key
            )
            for page in pages:
                for entry in page.get("Versions", []):
                    if entry["Key"] != key:
                        continue
                    found.append(
                        Version(
                            version_id=str(entry["VersionId"]),
                            modified=entry["LastModified"],
                            size_bytes=int(entry["Size"]),
                            etag=str(entry["ETag"]),
                            latest=bool(entry["IsLatest"]),
                        )
                    )
        found.sort(key=lambda version: version.modified, reverse=True)
        return found

    def versioning(self) -> bool:
        with self._errors(""):
            answer = self._client.get_bucket_versioning(Bucket=self.location.bucket)
        return answer.get("Status") == "Enabled"

    def _no_bucket(self) -> str:
        return f"bucket {self.location.bucket} does not exist at {self.endpoint}"

    @contextmanager
    def _errors(self, key: str, version_id: str | None = None) -> Iterator[None]:
        """boto3's exceptions as one-line S3Errors that name no secret."""
        what = self.url(key) if key else f"bucket {self.location.bucket}"
        try:
            yield
        except _NETWORK_ERRORS as error:
            raise Offline(f"cannot reach {self.endpoint}: {_reason(error)}") from None
        except _CREDENTIAL_ERRORS:
            raise S3Error(
                "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or AWS_PROFILE, or write ~/.aws/credentials"
            ) from None
        except boto_errors.ClientError as error:
            raise _client_error(error, what, self, version_id) from None
        except boto_errors.BotoCoreError as error:
            raise S3Error(f"{what}: {_reason(error)}") from None


class _Conflict(S3Error):
    """409 ConditionalRequestConflict: retried by Bucket.put."""


def _client_error(
    error: boto_errors.ClientError, what: str, bucket: Bucket, version_id: str | None
) -> S3Error:
    details: Any = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code == "NoSuchBucket":
        return S3Error(bucket._no_bucket())
    if code in _DENIED_CODES or status == 403:
        return S3Error(f"access denied to {what} ({code or status})")
    if code in _MISSING_CODES or status == 404:
        if version_id:
            return Missing(f"{what} has no version {version_id}")
        return Missing(f"{what} does not exist")
    if code == "PreconditionFailed" or status == 412:
        return PreconditionFailed(f"{what} changed since it was last synced")
    if code == "ConditionalRequestConflict" or status == 409:
        return _Conflict(f"{what}: a conditional write conflicted")
    message = _reason(details.get("Message", "") or str(error))
    return S3Error(f"{what}: {code or status}: {message}")


def _reason(error: object) -> str:
    return " ".join(str(error).split())


def _make_client(endpoint_url: str | None) -> S3Client:
    """A client with short timeouts (a dead network fails fast and the push is queued) and
    checksums only where S3 requires them: S3-compatible stores do not all know the newer
    ones boto3 sends by default."""
    config = BotoConfig(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"max_attempts": 2, "mode": "standard"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    try:
        session = boto3.session.Session()
        client: S3Client = session.client("s3", endpoint_url=endpoint_url, config=config)
    except boto_errors.BotoCoreError as error:  # an unknown AWS_PROFILE, a bad endpoint URL
        raise S3Error(f"cannot set up S3: {_reason(error)}") from None
    except ValueError as error:
        raise S3Error(f"cannot set up S3: {_reason(error)}") from None
    return client
