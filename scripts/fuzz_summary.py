"""Summarises schemathesis NDJSON reports written by scripts/fuzz_api.sh.

    python3 scripts/fuzz_summary.py PREFIX... (reads PREFIX.ndjson)

Per run: operations tested, requests sent, 5xx answers (500s apart: a 500 is
always a bug; a documented 503 is the honest answer of an unconfigured
integration), undocumented statuses and other failed checks, and errors of schemathesis
itself (not findings about the API). Exit status 1 when
any 500, undocumented status or failed check was found.
"""

import base64
import collections
import json
import sys


def body(content):
    if isinstance(content, dict) and "$base64" in content:
        raw = base64.b64decode(content["$base64"])
        try:
            return json.loads(raw).get("code", "")
        except (ValueError, AttributeError):
            return raw[:80].decode("utf-8", "replace")
    return ""


def summarise(prefix):
    ops, requests = set(), 0
    server = collections.Counter()
    failed = collections.defaultdict(set)
    tool_errors = []
    with open(prefix + ".ndjson", encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            error = event.get("NonFatalError") or event.get("FatalError")
            if error:
                message = (error.get("value") or {}).get("message", "?")
                tool_errors.append(f"{error.get('label', '?')}: {message}")
                continue
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            rec = finished["recorder"]
            label = rec.get("label", "?")
            interactions = rec.get("interactions", {})
            if interactions:
                ops.add(label)
            for case, inter in interactions.items():
                requests += 1
                response = inter.get("response") or {}
                status = response.get("status_code", 0)
                if status >= 500:
                    server[(label, status, body(response.get("content")))] += 1
                for check in rec.get("checks", {}).get(case, []):
                    if check["status"] != "failure" or check["name"] == "not_a_server_error":
                        continue
                    failed[check["name"]].add((label, status))
    return ops, requests, server, failed, tool_errors


def main(prefixes):
    bad = False
    for prefix in prefixes:
        name = prefix.rsplit("/", 1)[-1]
        ops, requests, server, failed, tool_errors = summarise(prefix)
        five = sum(server.values())
        five_hundred = sum(n for (_, s, _), n in server.items() if s == 500)
        undocumented = failed.pop("status_code_conformance", set())
        print(f"{name}: {len(ops)} operations, {requests} requests, "
              f"{five} 5xx ({five_hundred} x 500), "
              f"{len(undocumented)} undocumented statuses, "
              f"{sum(len(v) for v in failed.values())} other check failures, "
              f"{len(tool_errors)} schemathesis errors")
        for (label, status, code), n in sorted(server.items()):
            print(f"    {status} x{n} {label} {code}")
        for label, status in sorted(undocumented):
            print(f"    undocumented {status}: {label}")
        for check, hits in sorted(failed.items()):
            for label, status in sorted(hits):
                print(f"    {check} ({status}): {label}")
        for message in tool_errors:
            print(f"    schemathesis error (not an API finding): {message}")
        bad |= bool(five_hundred or undocumented or failed)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
