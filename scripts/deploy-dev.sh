#!/usr/bin/env bash
# Sets up and deploys the dev stack: ./venv with the pinned dependencies, a local state backend when
# you are not logged in to any, the dev stack selected (created from Pulumi.dev.yaml if missing), and
# `pulumi up`. Extra arguments go to `pulumi up`, e.g. scripts/deploy-dev.sh --yes
#
# Every prerequisite is checked first, in one pass, and all that are missing are listed together.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
python="${PYTHON:-python3}"
python_ok=true
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  missing+=("Python 3.11 or newer as '$python' (set PYTHON=/path/to/python3.11)")
  python_ok=false
fi
command -v pulumi >/dev/null || missing+=("the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/)")
if ! command -v docker >/dev/null; then
  missing+=("Docker: pulumi up builds the app image with it")
elif ! docker info >/dev/null 2>&1; then
  missing+=("a running Docker engine (docker info fails)")
fi

# AWS credentials are checked with boto3 from ./venv, so only once the venv can be set up.
if $python_ok; then
  source scripts/_venv.sh
  if ! ensure_venv; then
    missing+=("the pinned dependencies in ./venv: pip could not install them (is the package index reachable?)")
  elif ! aws_check="$(venv/bin/python - 2>&1 <<'PY'
import os, sys
import boto3
from botocore.config import Config
from botocore import exceptions as e

region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-northeast-1"
quick = Config(connect_timeout=5, read_timeout=10, retries={"mode": "standard", "total_max_attempts": 2})
try:
    print(boto3.client("sts", region_name=region, config=quick).get_caller_identity()["Arn"])
except (e.NoCredentialsError, e.PartialCredentialsError):
    sys.exit("AWS credentials: none found (run `aws configure`, set AWS_PROFILE, or `aws sso login`)")
except (e.SSOTokenLoadError, e.UnauthorizedSSOTokenError, e.TokenRetrievalError) as error:
    sys.exit(f"AWS credentials: the SSO session is missing or expired, run `aws sso login` ({error})")
except (e.ConnectionError, e.HTTPClientError) as error:
    sys.exit(f"network: AWS STS did not answer, so the credentials could not be checked ({error})")
except e.ClientError as error:
    details = error.response.get("Error", {})
    sys.exit(f"AWS credentials: rejected by AWS ({details.get('Code')}: {details.get('Message')})")
except e.BotoCoreError as error:
    sys.exit(f"AWS credentials: {error}")
PY
  )"; then
    missing+=("$(tail -n 1 <<<"$aws_check")")  # the last line: sys.exit's message
  fi
fi

if ((${#missing[@]})); then
  echo "error: ${#missing[@]} prerequisite(s) missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
echo "==> deploying as $(tail -n 1 <<<"$aws_check")"

if ! pulumi whoami >/dev/null 2>&1; then
  echo "==> not logged in to a Pulumi backend: using local state in ./.pulumi-state"
  mkdir -p .pulumi-state
  pulumi login "file://$PWD/.pulumi-state"
  # A local backend encrypts secrets with a passphrase: Pulumi asks for it unless
  # PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is set.
fi
pulumi stack select dev --create
pulumi up --stack dev "$@"
