"""Does the NumPy-only test run cover the suite? Compares two JUnit reports of pytest.

    python .ci/bare_coverage.py BARE_XML FULL_XML

Every test that passed in the full run (all optional packages installed) must have passed
in the NumPy-only run too, unless it was skipped there because an optional package could
not be imported (the test itself, or its whole module). Prints how many tests each
optional package holds back; exits 1 if a test was lost for any other reason.
"""

from __future__ import annotations

import collections
import re
import sys
import xml.etree.ElementTree as ET

MISSING = re.compile(r"could not import '([\w.]+)'")


def key(case: ET.Element) -> tuple[str, str]:
    name = case.get("name", "")
    # Doctests of src/ are collected from the checkout in one run and from the installed
    # wheel in the other: their classnames differ, their dotted names do not.
    if name.startswith("tracegrad"):
        return ("", name)
    return (case.get("classname", ""), name)


def outcome(case: ET.Element) -> tuple[str, str]:
    for child in case:
        if child.tag in ("failure", "error"):
            return ("failed", "")
        if child.tag == "skipped":
            found = MISSING.search((child.get("message") or "") + (child.text or ""))
            return ("skipped", found.group(1).split(".")[0] if found else "")
    return ("passed", "")


def main(bare_path: str, full_path: str) -> int:
    bare: dict[tuple[str, str], tuple[str, str]] = {}
    module_needs: dict[str, str] = {}  # a module skipped whole: the package it lacked
    for case in ET.parse(bare_path).iter("testcase"):
        state, package = outcome(case)
        if case.get("classname") == "" and state == "skipped":
            module_needs[case.get("name", "")] = package
        bare[key(case)] = (state, package)

    full = [key(c) for c in ET.parse(full_path).iter("testcase") if outcome(c)[0] == "passed"]
    held_back: collections.Counter[str] = collections.Counter()
    lost = []
    for k in full:
        state, package = bare.get(k, ("absent", ""))
        if state == "passed":
            continue
        if state == "absent":
            package = module_needs.get(k[0], "")
        if package:
            held_back[package] += 1
        else:
            lost.append(k)

    ran = len(full) - sum(held_back.values()) - len(lost)
    needs = ", ".join(f"{n} need {p}" for p, n in held_back.most_common()) or "none"
    print(f"The full run passed {len(full)} tests; with NumPy alone {ran} of them passed too.")
    print(f"Held back by an optional package: {needs}.")
    if lost:
        print(f"{len(lost)} tests did not run with NumPy alone for no missing package:")
        for classname, name in lost[:30]:
            print(f"  {classname}::{name}")
        return 1
    print("Every test that needs no optional package ran with NumPy alone.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
