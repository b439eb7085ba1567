#!/usr/bin/env python3
"""Example Ratify verifier plugin in Python (no ratify-ts code involved).

Speaks Ratify v1's exec plugin protocol by hand, exactly as a Go plugin built on Ratify's
skeleton does, so it runs unchanged under Ratify and ratify-ts:

* environment: RATIFY_VERIFIER_COMMAND=VERIFY, RATIFY_VERIFIER_SUBJECT, RATIFY_VERIFIER_VERSION
* stdin: {"config": {...}, "storeConfig": {...}, "referenceDesc": {...}}
* stdout: one JSON line {"isSuccess": ..., "message": ..., "name": ..., "type": ...}
* stderr: log lines prefixed "INFO: ", "WARN: ", "DEBUG: "
* errors: {"code": N, "msg": "...", "details": "..."} (4-space indent) on stdout, exit status 1

The check: the referrer's manifest (referenceDesc.size) must not exceed config "maxBytes"
(default 4096), and its artifactType must not be listed in config "deniedArtifactTypes".

Install: cp referrer-size-limit.py ~/.ratify/plugins/referrer-size-limit && chmod 700 it, then
  {"name": "small-referrers", "type": "referrer-size-limit", "maxBytes": 2048}
"""
import json
import os
import sys

SUPPORTED_VERSIONS = ["1.0.0", "0.1.0"]

# Ratify's plugin error codes (pkg/verifier/plugin/types).
CONFIG_PARSING_FAILURE = 1
INVALID_CONFIG = 2
UNKNOWN_COMMAND = 3
MISSING_ENV = 4
VERSION_NOT_SUPPORTED = 6
PLUGIN_CMD_FAILURE = 8


class PluginError(Exception):
    def __init__(self, code, msg, details=""):
        super().__init__(msg)
        self.code, self.msg, self.details = code, msg, details


def log(level, msg):
    # No braces: the host treats any line containing "{" as JSON.
    sys.stderr.write("%s: %s\n" % (level, msg.replace("{", "(").replace("}", ")")))


def verify(config, desc, subject):
    try:
        max_bytes = int(config.get("maxBytes", 4096))
    except (TypeError, ValueError):
        raise PluginError(INVALID_CONFIG, "invalid verifier config: maxBytes must be an integer")
    denied = config.get("deniedArtifactTypes", [])
    size = desc.get("size", 0)
    artifact_type = desc.get("artifactType", "")
    log("INFO", "checking %s (%d bytes, %s) of %s" % (desc.get("digest"), size, artifact_type or "no artifactType", subject))
    if artifact_type in denied:
        return False, "artifact type %s is denied" % artifact_type, "deniedArtifactTypes lists %s" % artifact_type
    if size > max_bytes:
        return False, "referrer manifest too large", "%d bytes > maxBytes %d" % (size, max_bytes)
    return True, "referrer manifest is %d bytes (limit %d)" % (size, max_bytes), ""


def main():
    env = os.environ
    command = env.get("RATIFY_VERIFIER_COMMAND", "")
    subject = env.get("RATIFY_VERIFIER_SUBJECT", "")
    version = env.get("RATIFY_VERIFIER_VERSION", "")
    missing = [] if command else ["RATIFY_VERIFIER_COMMAND"]
    if command == "VERIFY":
        missing += [n for n, v in (("RATIFY_VERIFIER_SUBJECT", subject), ("RATIFY_VERIFIER_VERSION", version)) if not v]
    if missing:
        raise PluginError(MISSING_ENV, "missing env variables [%s]" % ",".join(missing))
    stdin = sys.stdin.read()
    if version not in SUPPORTED_VERSIONS:
        raise PluginError(VERSION_NOT_SUPPORTED, "plugin doesn't support version %s" % version)
    if command != "VERIFY":
        raise PluginError(UNKNOWN_COMMAND, "unknown RATIFY_VERIFIER_COMMAND: %s" % command)
    try:
        data = json.loads(stdin)
        config, desc = data["config"], data["referenceDesc"]
    except (ValueError, KeyError, TypeError) as e:
        raise PluginError(CONFIG_PARSING_FAILURE, "failed to parse stdin for the input", str(e))
    if not config.get("name"):
        raise PluginError(INVALID_CONFIG, "invalid verifier config: name is required")
    try:
        ok, message, reason = verify(config, desc, subject)
    except PluginError:
        raise
    except Exception as e:  # anything else is a command failure, as in Ratify's skeleton
        raise PluginError(PLUGIN_CMD_FAILURE, "plugin command VERIFY failed", str(e))
    result = {
        "isSuccess": ok,
        "message": message,
        "name": config["name"],
        "type": config.get("type") or config["name"],
        "extensions": {"size": desc.get("size", 0), "maxBytes": int(config.get("maxBytes", 4096))},
    }
    if reason:
        result["errorReason"] = reason  # ratify-ts keeps it; Ratify v1 drops it
    sys.stdout.write(json.dumps(result, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    try:
        main()
    except PluginError as e:
        out = {"code": e.code, "msg": e.msg}
        if e.details:
            out["details"] = e.details
        sys.stdout.write(json.dumps(out, indent=4) + "\n")
        sys.exit(1)
