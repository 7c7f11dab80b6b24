#!/usr/bin/env bash
# Sets up and deploys the dev stack: ./venv with the pinned dependencies, a local state backend when
# you are not logged in to any, the dev stack selected (created from Pulumi.dev.yaml if missing), and
# `pulumi up`. Extra arguments go to `pulumi up`, e.g. scripts/deploy-dev.sh --yes
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "error: $*" >&2; exit 1; }
command -v pulumi >/dev/null || fail "the Pulumi CLI is not installed (https://www.pulumi.com/docs/iac/download-install/)"
command -v docker >/dev/null || fail "Docker is not installed: pulumi up builds the app image with it"
docker info >/dev/null 2>&1 || fail "the Docker engine is not running (docker info fails)"

source scripts/_venv.sh
ensure_venv
venv/bin/python - <<'PY' || exit 1
import sys, boto3, botocore.exceptions
try:
    identity = boto3.client("sts", region_name="ap-northeast-1").get_caller_identity()
except botocore.exceptions.BotoCoreError as error:
    sys.exit(f"error: no usable AWS credentials ({error}); configure them with `aws configure` or AWS_PROFILE")
except botocore.exceptions.ClientError as error:
    sys.exit(f"error: AWS rejected the credentials: {error}")
print(f"==> deploying as {identity['Arn']}")
PY

if ! pulumi whoami >/dev/null 2>&1; then
  echo "==> not logged in to a Pulumi backend: using local state in ./.pulumi-state"
  mkdir -p .pulumi-state
  pulumi login "file://$PWD/.pulumi-state"
  # A local backend encrypts secrets with a passphrase: Pulumi asks for it unless
  # PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is set.
fi
pulumi stack select dev --create
pulumi up --stack dev "$@"
