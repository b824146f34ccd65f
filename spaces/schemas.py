"""The Space's wire shapes (workspaces, files, folders) as pydantic models, for the OpenAPI document.

ZarkAI's camelCase names are kept. Requests the routes read as JSON are described field by field; uploads
are multipart (`UploadForm`). The native error shape is `NativeError` everywhere outside the adapters of
other services' APIs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Wire(BaseModel):
    # Replies may grow fields; a client reads the ones it knows.
    model_config = ConfigDict(extra="allow")


class NativeError(Wire):
    """Every error outside the OpenAI-compatible and the seeds' APIs."""

    error: str = Field(description="What went wrong, for a person")
    code: str = Field(description="What went wrong, for a program: invalid_request, not_found, ...")


class WorkspaceCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class WorkspaceObject(Wire):
    id: str
    name: str
    createdAt: str
    default: bool = Field(description="Whether this is the key's default workspace")


class WorkspaceList(Wire):
    workspaces: list[WorkspaceObject] = Field(description="The key's default workspace first")


class FileObject(Wire):
    fileId: str
    name: str
    sizeBytes: int
    mimeType: str
    createdAt: str
    workspaceId: str
    folderId: str | None
    width: int | None
    height: int | None
    origin: str = Field(description="upload or generated")
    url: str = Field(description="A signed link to the bytes that works without a key until it expires")
    metadata: dict[str, Any] | None = Field(None, description="How a generated image was made")


class Pagination(Wire):
    hasMore: bool
    cursor: str | None


class FileList(Wire):
    files: list[FileObject]
    pagination: Pagination


class Base64Data(Wire):
    encoding: Literal["base64"]
    content: str


class FileWithContent(FileObject):
    type: Literal["content"]
    data: Base64Data


class FileMetadataOnly(FileObject):
    type: Literal["metadata"]


class FileDeleted(Wire):
    fileId: str
    deleted: Literal[True]


class UploadForm(BaseModel):
    file: bytes = Field(json_schema_extra={"format": "binary"}, description="The file; images are decoded "
                        "before they are accepted")
    workspace_id: str | None = Field(None, description="Default: the key's default workspace")
    folder_id: str | None = None


class FolderCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    workspace_id: str | None = Field(None, description="Default: the key's default workspace")


class FolderObject(Wire):
    folderId: str
    name: str
    workspaceId: str
    createdAt: str


class FolderList(Wire):
    folders: list[FolderObject]


class FolderDeleted(Wire):
    folderId: str
    deleted: Literal[True]
    filesDeleted: int
