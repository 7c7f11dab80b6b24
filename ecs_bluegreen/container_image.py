"""ContainerImage: the ECR repository and the app image, built from a Docker context and pushed by digest;
or PrebuiltImage, an image built elsewhere, named by digest, for which nothing is created."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal, get_args

import pulumi
import pulumi_aws as aws
import pulumi_docker as docker

# Fargate tasks run LINUX/X86_64 (the seed's task definition); build for it even on an arm64 laptop.
IMAGE_PLATFORM = "linux/amd64"

TagMutability = Literal["MUTABLE", "IMMUTABLE"]
TAG_MUTABILITIES: tuple[TagMutability, ...] = get_args(TagMutability)
# <registry>/<repository>@sha256:<digest>: a digest names exactly one image, so a new one is always a new
# task definition revision, and ECS never resolves a moving tag during a rollout. The registry is a host
# name with a dot (as Docker tells a registry from a repository's first part), e.g. docker.io.
IMAGE_DIGEST_PATTERN = re.compile(
    r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+@sha256:[0-9a-f]{64}")
# The ports the container may listen on: the image runs as a non-root user, which cannot bind below 1024.
CONTAINER_PORTS = (1024, 65535)


def image_build_args(app_version: str) -> dict[str, str]:
    """The build args `pulumi up` passes to `docker build`; the container test uses the same ones."""
    return {"APP_VERSION": app_version}


@dataclass(frozen=True)
class ContainerImageArgs:
    app_version: str
    force_delete_repository: bool
    images_to_keep: int
    context: str
    """The Docker build context, relative to the Pulumi project directory (where `pulumi up` runs), e.g.
    "app": relative, so that a checkout elsewhere builds the same inputs and does not rebuild."""
    dockerfile: str | None = None
    """Relative to the project directory too; None: `<context>/Dockerfile`."""
    tag_mutability: TagMutability = "MUTABLE"
    """IMMUTABLE: pushing another image under an existing appVersion fails (prod)."""

    def __post_init__(self) -> None:
        if not 1 <= self.images_to_keep <= 1000:
            raise ValueError(f"images_to_keep {self.images_to_keep} is not in 1-1000")
        for path in (self.context, self.dockerfile or "."):
            if not path or path.startswith("/"):
                raise ValueError(f"build path {path!r} is not relative to the project directory")


@dataclass(frozen=True)
class PrebuiltImage:
    """An image built elsewhere (e.g. by CI), deployed as is: no build and no repository. The task
    execution role's AmazonECSTaskExecutionRolePolicy lets ECS pull from ECR in the stack's account; a
    repository in another account must allow it in its repository policy."""

    image_ref: str
    """`<registry>/<repository>@sha256:<digest>`."""

    def __post_init__(self) -> None:
        if not IMAGE_DIGEST_PATTERN.fullmatch(self.image_ref):
            raise ValueError(f"image_ref must name an image by digest, <registry>/<repository>@sha256:<64 hex>, "
                             f"got {self.image_ref!r}")


class ContainerImage(pulumi.ComponentResource):
    repository_url: pulumi.Output[str]
    image_ref: pulumi.Output[str]
    """`<repository>@sha256:<digest>`: immutable, so every build is a new task definition revision."""

    def __init__(self, name: str, args: ContainerImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:ContainerImage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        repository = aws.ecr.Repository(
            f"{name}-repo",
            image_tag_mutability=args.tag_mutability,
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")],
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            force_delete=args.force_delete_repository,
            opts=child,
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-keep-recent",
            repository=repository.name,
            policy=json.dumps({
                "rules": [{
                    "rulePriority": 1,
                    "description": f"Keep the {args.images_to_keep} most recent images",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                  "countNumber": args.images_to_keep},
                    "action": {"type": "expire"},
                }],
            }),
            opts=child,
        )

        credentials = aws.ecr.get_authorization_token_output(
            registry_id=repository.registry_id, opts=pulumi.InvokeOutputOptions(parent=self))
        image = docker.Image(
            f"{name}-image",
            image_name=repository.repository_url.apply(lambda url: f"{url}:{args.app_version}"),
            build=docker.DockerBuildArgs(
                context=args.context,
                dockerfile=args.dockerfile or f"{args.context}/Dockerfile",
                platform=IMAGE_PLATFORM,
                args=image_build_args(args.app_version),
            ),
            registry=docker.RegistryArgs(
                server=repository.repository_url,
                username=credentials.user_name,
                password=pulumi.Output.secret(credentials.password),
            ),
            opts=child,
        )

        self.repository_url = repository.repository_url
        self.image_ref = image.repo_digest
        self.register_outputs({"repository_url": self.repository_url, "image_ref": self.image_ref})
