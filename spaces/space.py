"""The Space: identity, workspaces, folders and files, over one metadata store and one blob store.

Every read is scoped: a workspace, folder or file that the caller's account may not reach is answered
exactly as one that does not exist.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
from pathlib import Path
from typing import Any

from easel.spaces import ids, keys, request_context, safejson
from easel.spaces.blobs import BlobStore, BlobWriter, open_blobs
from easel.spaces.db import Store, now_iso
from easel.spaces.engine import default_url
from easel.spaces.errors import EaselError, not_found
from easel.spaces.idempotency import IdempotencyKeys
from easel.spaces.ledger import Ledger
from easel.spaces.media import printable
from easel.spaces.records import Account, ApiKey, Conversation, FileRecord, Folder, Page, Principal, VideoJob, Workspace
from easel.spaces.signing import LinkSigner, UrlSigner

log = logging.getLogger("easel.space")
WORKSPACE_CACHE = 10_000
PRESIGN_TTL_S = 300  # a redirect is followed at once; the URL need not outlive that


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        if len(cursor) > 40:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("s"):
            raise ValueError
        seq = int(raw[1:])
        if not 0 < seq < 2**63:  # a store row number; anything else was not made here
            raise ValueError
        return seq
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise EaselError(400, "invalid_request", "cursor is not one this API returned") from None


def _encode_pair(updated_at: str, item_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([updated_at, item_id]).encode()).decode().rstrip("=")


def _decode_pair(cursor: str) -> tuple[str, str]:
    try:
        pair = safejson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair)):
            raise ValueError
        return pair[0], pair[1]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise EaselError(400, "invalid_request", "cursor is not one this API returned", param="cursor") from None


MAX_TITLE = 200


class Space:
    def __init__(self, *, store: Store, blobs: BlobStore, signer: UrlSigner, link_ttl_s: int = 0) -> None:
        self.store = store  # spaces/ only: everything else goes through the Space's methods
        self.blobs = blobs
        self.ledger = Ledger(store)
        self.idempotency = IdempotencyKeys(store)
        self.signer = signer
        self.link_ttl_s = link_ttl_s
        # Workspace rows, once read. A workspace never changes owner and is never removed (nothing in the
        # store updates or deletes one), so a row read once stays true; every scoped request then skips a
        # trip to the SQL thread (~0.25 ms, docs/benchmarks.md). Whoever adds renames or deletion must drop
        # the entry here too.
        self._workspaces: dict[str, Workspace] = {}

    @classmethod
    async def open(cls, *, data_dir: Path, database_url: str | None = None, secret_key: str | None = None,
                   url_ttl_s: int = 3600, blob_url: str | None = None, s3_endpoint_url: str | None = None,
                   link_ttl_s: int = 0, recover: bool = True) -> Space:
        """Opens (and migrates) the store at `database_url`, by default SQLite under `data_dir`; with `recover`,
        sweeps what a crash left in the blob store (only safe while no other process is writing to it)."""
        store = Store(database_url or default_url(data_dir))
        await store.open()
        secret = secret_key or await store.set_meta_if_absent("url_secret", secrets.token_hex(32))
        blobs = open_blobs(blob_url, data_dir=data_dir, endpoint_url=s3_endpoint_url)
        space = cls(store=store, blobs=blobs, signer=UrlSigner(secret=secret.encode(), ttl_s=url_ttl_s),
                    link_ttl_s=link_ttl_s)
        if recover:
            await space.recover()
        return space

    async def close(self) -> None:
        await self.blobs.close()
        await self.store.close()

    async def recover(self) -> tuple[int, int]:
        """After a crash: drop half-written temporaries and bytes whose row never committed."""
        tmp, orphans = await self.blobs.sweep(self.store.existing_file_ids)
        if tmp or orphans:
            log.warning("recovered the blob store: %d temporary and %d orphaned blobs removed", tmp, orphans)
        return tmp, orphans

    # -- identity ---------------------------------------------------------------------------------
    async def authenticate(self, key: str, *, on_behalf_of: str | None = None) -> Principal:
        record = await self.store.key_by_hash(keys.hash_key(key))
        if record is None or record.revoked_at is not None:
            raise EaselError(401, "invalid_api_key", "Invalid API key")
        default = record.default_workspace_id
        if default is None:
            workspaces = await self.store.list_workspaces(record.account_id)
            if not workspaces:
                raise EaselError(401, "invalid_api_key", "This key's account has no workspace")
            default = workspaces[0].id
        return Principal(account_id=record.account_id, key_id=record.id, default_workspace_id=default,
                         on_behalf_of=on_behalf_of)

    async def create_account(self, name: str) -> Account:
        return await self.store.create_account(ids.short_id("acct"), name)

    async def create_workspace(self, account_id: str, name: str) -> Workspace:
        name = printable(name).strip()
        if not name or len(name) > 100:
            raise EaselError(400, "invalid_request", "A workspace needs a name of 1 to 100 characters", param="name")
        return await self.store.create_workspace(ids.short_id("wks"), account_id, name)

    async def create_key(self, account_id: str, *, workspace_id: str | None = None, name: str = "default",
                         secret: str | None = None) -> tuple[ApiKey, str]:
        """Returns the record and the key itself, which is never stored and cannot be shown again."""
        secret = secret or keys.new_key()
        record = ApiKey(id=ids.short_id("key"), account_id=account_id, prefix=keys.display_prefix(secret),
                        name=name, created_at=now_iso(), default_workspace_id=workspace_id)
        await self.store.create_key(record, keys.hash_key(secret))
        return record, secret

    async def bootstrap(self, key: str | None) -> tuple[Workspace, str] | None:
        """On the very first start, an account, a workspace and a key, so a newcomer can call at once.

        However many processes call this at the same moment on an empty store, exactly one gets them."""
        secret = key or keys.new_key()
        created = now_iso()
        account = Account(id=ids.short_id("acct"), name="default", created_at=created)
        workspace = Workspace(id=ids.short_id("wks"), account_id=account.id, name="default", created_at=created)
        record = ApiKey(id=ids.short_id("key"), account_id=account.id, prefix=keys.display_prefix(secret),
                        name="default", created_at=created, default_workspace_id=workspace.id)
        if not await self.store.bootstrap(account, workspace, record, keys.hash_key(secret)):
            return None
        return workspace, secret

    # -- administration (the CLI): by id, with no caller to scope by ------------------------------------
    async def account(self, account_id: str) -> Account | None:
        return await self.store.get_account(account_id)

    async def first_account(self) -> Account | None:
        return await self.store.first_account()

    async def set_budget(self, account_id: str, budget_usd: float | None) -> None:
        await self.store.set_budget(account_id, budget_usd)

    async def workspace_by_id(self, workspace_id: str) -> Workspace | None:
        return await self.store.get_workspace(workspace_id)

    async def account_workspaces(self, account_id: str) -> list[Workspace]:
        return await self.store.list_workspaces(account_id)

    async def list_keys(self, account_id: str | None = None) -> list[ApiKey]:
        return await self.store.list_keys(account_id)

    async def revoke_key(self, key_id_or_prefix: str) -> bool:
        """Refused on every process's next request: keys are read from the store on each one."""
        return bool(await self.store.revoke_key(key_id_or_prefix))

    # -- workspaces and folders ---------------------------------------------------------------------
    async def workspace(self, principal: Principal, workspace_id: str | None) -> Workspace:
        if workspace_id is not None and not isinstance(workspace_id, str):  # JSON bodies hand on anything
            raise EaselError(400, "invalid_request", "workspace_id must be a string", param="workspace_id")
        wanted = workspace_id or principal.default_workspace_id
        found = self._workspaces.get(wanted)
        if found is None:
            found = await self.store.get_workspace(wanted)
            if found is not None:
                if len(self._workspaces) >= WORKSPACE_CACHE:
                    self._workspaces.clear()  # a crude bound; refilling costs one lookup per workspace
                self._workspaces[wanted] = found
        if found is None or found.account_id != principal.account_id or (
                principal.only_workspace is not None and found.id != principal.only_workspace):
            raise not_found("Workspace not found")
        request_context.note(workspace_id=found.id)
        return found

    async def list_workspaces(self, principal: Principal) -> list[Workspace]:
        workspaces = await self.store.list_workspaces(principal.account_id)
        # The key's default comes first, as the contract promises.
        return sorted(workspaces, key=lambda w: w.id != principal.default_workspace_id)

    async def create_folder(self, workspace: Workspace, name: str) -> Folder:
        name = printable(name).strip()
        if not name or len(name) > 200:
            raise EaselError(400, "invalid_request", "A folder needs a name of 1 to 200 characters", param="name")
        folder = Folder(id=ids.short_id("folder"), workspace_id=workspace.id, name=name, created_at=now_iso())
        await self.store.create_folder(folder)
        return folder

    async def folders(self, workspace: Workspace) -> list[Folder]:
        return await self.store.list_folders(workspace.id)

    async def folder(self, workspace: Workspace, folder_id: str) -> Folder:
        found = await self.store.get_folder(folder_id)
        if found is None or found.workspace_id != workspace.id:
            raise not_found("Folder not found")
        return found

    async def delete_folder(self, folder: Folder) -> int:
        for file_id in (removed := await self.store.delete_folder(folder.id)):
            await self.blobs.delete(file_id)
        return len(removed)

    # -- files --------------------------------------------------------------------------------------
    async def save_bytes(self, workspace_id: str, *, name: str, data: bytes, mime_type: str,
                         width: int | None = None, height: int | None = None, origin: str = "generated",
                         metadata: dict[str, Any] | None = None, folder_id: str | None = None) -> FileRecord:
        """Bytes first, durably; then the row. A crash in between leaves only an orphan to sweep."""
        file_id = ids.file_id()
        sha = await self.blobs.put(file_id, data, mime_type)
        return await self._insert(file_id, workspace_id, name=name, mime_type=mime_type, size=len(data), sha=sha,
                                  width=width, height=height, origin=origin, metadata=metadata or {},
                                  folder_id=folder_id)

    def upload_writer(self) -> tuple[str, BlobWriter]:
        file_id = ids.file_id()
        return file_id, self.blobs.writer(file_id)

    async def commit_upload(self, file_id: str, writer: BlobWriter, workspace_id: str, *, name: str,
                            mime_type: str, width: int | None, height: int | None,
                            folder_id: str | None) -> FileRecord:
        await writer.commit(mime_type)
        return await self._insert(file_id, workspace_id, name=name, mime_type=mime_type, size=writer.size,
                                  sha=writer.sha256, width=width, height=height, origin="upload", metadata={},
                                  folder_id=folder_id)

    async def _insert(self, file_id: str, workspace_id: str, *, name: str, mime_type: str, size: int, sha: str,
                      width: int | None, height: int | None, origin: str, metadata: dict[str, Any],
                      folder_id: str | None) -> FileRecord:
        record = FileRecord(id=file_id, workspace_id=workspace_id, folder_id=folder_id, name=name,
                            mime_type=mime_type, size_bytes=size, sha256=sha, width=width, height=height,
                            origin=origin, metadata=metadata, created_at=now_iso())
        try:
            return await self.store.insert_file(record)
        except BaseException:
            await self.blobs.delete(file_id)
            raise

    async def file(self, workspace: Workspace, file_id: str) -> FileRecord:
        found = await self.store.get_file(file_id)
        if found is None or found.workspace_id != workspace.id:
            raise not_found("File not found")
        return found

    async def account_file(self, principal: Principal, file_id: str) -> FileRecord:
        """A file in any workspace of the caller's account (for records that name a file but no workspace)."""
        found = await self.store.get_file(file_id)
        if found is None:
            raise not_found("File not found")
        await self.workspace(principal, found.workspace_id)  # not the account's: not found, as if absent
        return found

    async def signed_file(self, file_id: str) -> FileRecord:
        """The file a verified signed URL names (the signature was the check)."""
        found = await self.store.get_file(file_id)
        if found is None:
            raise not_found("File not found")
        return found

    async def files(self, workspace: Workspace, file_ids: list[str]) -> list[FileRecord]:
        """The files in the order asked; any id outside the workspace is reported as not found."""
        found = {f.id: f for f in await self.store.get_files(list(dict.fromkeys(file_ids)))}
        missing = [i for i in file_ids if i not in found or found[i].workspace_id != workspace.id]
        if missing:
            raise not_found(f"File not found: {', '.join(missing[:5])}")
        return [found[i] for i in file_ids]

    async def list_files(self, workspace: Workspace, *, limit: int = 10, cursor: str | None = None,
                         folder_id: str | None = None) -> Page:
        before = _decode_cursor(cursor) if cursor else None
        rows = await self.store.list_files(workspace.id, limit=limit + 1, before_seq=before, folder_id=folder_id)
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(files=rows, next_cursor=_encode_cursor(rows[-1].seq) if more and rows else None)

    async def delete_file(self, record: FileRecord) -> None:
        # Row first: a crash after it leaves orphaned bytes, which recover() sweeps, never a dangling row.
        await self.store.delete_file(record.id)
        await self.blobs.delete(record.id)

    async def read(self, record: FileRecord) -> bytes:
        return await self.blobs.read(record.id)

    async def presigned_url(self, record: FileRecord) -> str | None:
        """A short-lived URL at the object store itself (None for a local folder), for redirected downloads."""
        return await self.blobs.presign(record.id, PRESIGN_TTL_S)

    def signed_path(self, record: FileRecord) -> str:
        return self.signed_path_of(record.id)

    def signed_path_of(self, file_id: str) -> str:
        return f"/v1/storage/files/{file_id}/content?{self.signer.query(file_id)}"

    async def existing_files(self, workspace: Workspace, file_ids: list[str]) -> dict[str, FileRecord]:
        """Those of the ids that are files of this workspace; others (deleted since, never ours) are left out."""
        found = await self.store.get_files(list(dict.fromkeys(file_ids)))
        return {f.id: f for f in found if f.workspace_id == workspace.id}

    # -- conversations ------------------------------------------------------------------------------
    async def conversation(self, workspace: Workspace, conversation_id: str) -> Conversation:
        found = await self.store.get_conversation(conversation_id)
        if found is None or found.workspace_id != workspace.id:
            raise not_found("Conversation not found")
        return found

    async def list_conversations(self, workspace: Workspace, *, limit: int = 20,
                                 cursor: str | None = None) -> tuple[list[Conversation], str | None]:
        before = _decode_pair(cursor) if cursor else None
        rows = await self.store.list_conversations(workspace.id, limit=limit + 1, before=before)
        more, rows = len(rows) > limit, rows[:limit]
        return rows, _encode_pair(rows[-1].updated_at, rows[-1].id) if more and rows else None

    async def conversation_messages(self, conversation: Conversation, *,
                                    limit: int | None = None) -> list[dict[str, Any]]:
        return await self.store.conversation_messages(conversation.id, limit=limit)

    async def append_conversation(self, workspace: Workspace, conversation_id: str,
                                  messages: list[dict[str, Any]]) -> None:
        await self.store.append_conversation(conversation_id, workspace.id, messages)

    async def rename_conversation(self, conversation: Conversation, title: str) -> Conversation:
        title = " ".join(title.split())
        if not title or len(title) > MAX_TITLE:
            raise EaselError(400, "invalid_request", f"title must be 1 to {MAX_TITLE} characters", param="title")
        await self.store.set_conversation_title(conversation.id, title)
        renamed = await self.store.get_conversation(conversation.id)
        if renamed is None:  # deleted meanwhile
            raise not_found("Conversation not found")
        return renamed

    async def delete_conversation(self, conversation: Conversation) -> None:
        """The conversation and its messages; the images made in it stay in the Space."""
        await self.store.delete_conversation(conversation.id)

    # -- lasting links ------------------------------------------------------------------------------
    async def _link_signer(self, workspace_id: str) -> LinkSigner | None:
        # Read on every use, never cached: a rotation by another process must kill old links at once.
        secret = await self.store.link_secret(workspace_id, secrets.token_hex(32))
        if secret is None:
            return None
        return LinkSigner(secret=self.signer.derive("links"), workspace_secret=secret, ttl_s=self.link_ttl_s)

    async def links(self, workspace: Workspace) -> LinkSigner:
        """The signer of the workspace's lasting links (`lasting_path` uses it)."""
        signer = await self._link_signer(workspace.id)
        if signer is None:
            raise not_found("Workspace not found")
        return signer

    @staticmethod
    def lasting_path(links: LinkSigner, record: FileRecord) -> str:
        return f"/v1/storage/files/{record.id}/content?{links.query(record.id)}"

    async def open_link(self, file_id: str, mac: str, until: str | None) -> FileRecord:
        """The file a lasting link names, if the link is still good (404 as if absent otherwise)."""
        record = await self.store.get_file(file_id)
        signer = await self._link_signer(record.workspace_id) if record else None
        if record is None or signer is None:
            raise not_found("File not found")
        signer.verify(file_id, mac, until)
        return record

    async def rotate_links(self, workspace_id: str) -> bool:
        """Every lasting link of the workspace stops working; new ones are made with the new secret."""
        return await self.store.rotate_link_secret(workspace_id, secrets.token_hex(32))

    async def same_upload(self, workspace: Workspace, sha256: str) -> FileRecord | None:
        """A file of the workspace with exactly these bytes (a stateless client re-sends its images)."""
        return await self.store.file_by_sha256(workspace.id, sha256)

    # -- video jobs -----------------------------------------------------------------------------------
    async def add_video_job(self, job: VideoJob) -> None:
        await self.store.create_video_job(job)

    async def video_job(self, principal: Principal, job_id: str) -> VideoJob:
        """The account's job; another account's is answered as one that does not exist."""
        job = await self.store.get_video_job(job_id)
        if job is None or job.account_id != principal.account_id or (
                principal.only_workspace is not None and job.workspace_id != principal.only_workspace):
            raise not_found("Video not found")
        return job

    async def video_job_by_id(self, job_id: str) -> VideoJob | None:
        """For the job's own runner, which acts for the account that started it."""
        return await self.store.get_video_job(job_id)

    async def video_jobs(self, principal: Principal, *, limit: int, after: str | None) -> list[VideoJob]:
        return await self.store.list_video_jobs(principal.account_id, limit=limit, after=after)

    async def move_video_job(self, job_id: str, *, from_status: tuple[str, ...], **changes: Any) -> bool:
        return await self.store.move_video_job(job_id, from_status=from_status, **changes)

    async def orphaned_video_jobs(self, now: float) -> list[VideoJob]:
        return await self.store.claimable_video_jobs(now)

    async def delete_video_job(self, job: VideoJob) -> bool:
        """A finished job's record; its files stay in the Space."""
        return await self.store.delete_video_job(job.id)
