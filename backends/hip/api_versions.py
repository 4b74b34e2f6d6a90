"""What HIPIFY's tables say about one CUDA name at the target HIP version.

A HIP name is written when the target HIP has it; a name HIP added later, or already removed, is
an error naming the version that has it (the name is left as written); deprecated, experimental
or re-signatured HIP names are written with a warning or a note. Names HIPIFY lists with no HIP
equivalent are P0230 (except device functions: see ``tables``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from porter.backends.hip.options import HipOptions
from porter.backends.hip.tables import ApiEntry, hipify_source, parse_version


@dataclass(frozen=True)
class Finding:
    diag_id: str
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Verdict:
    hip: str | None                     # the name to write; None: leave the CUDA name as written
    findings: list[Finding] = field(default_factory=list)


def _version(text: str) -> str:
    major, minor = parse_version(text)
    return f"{major}.{minor}"


def judge(entry: ApiEntry, options: HipOptions, torch_guess: str | None = None) -> Verdict:
    name, hip, target = entry.cuda, entry.hip, options.hip_version
    where = f"{entry.family} API, {entry.section.split(': ', 1)[-1]}"
    if not hip:
        hint = ("port this call by hand"
                + (f"; PyTorch's hipify maps it to `{torch_guess}`, which HIPIFY does not list: check "
                   "that your HIP has it" if torch_guess and torch_guess != name else ""))
        return Verdict(None, [Finding("P0230", f"`{name}` has no HIP equivalent: {hipify_source()} lists it "
                                               f"as unsupported ({where})", hint)])
    if entry.hip_added and not options.at_least(entry.hip_added):
        added = _version(entry.hip_added)
        return Verdict(None, [Finding("P0280", f"`{name}` -> `{hip}` needs HIP {added}; the target is HIP "
                                               f"{target}", f"target --hip-version {added} or newer, or "
                                                            "port this use by hand")])
    if entry.hip_removed and options.at_least(entry.hip_removed):
        removed = _version(entry.hip_removed)
        return Verdict(None, [Finding("P0282", f"`{hip}` (for `{name}`) was removed in HIP {removed}; the "
                                               f"target is HIP {target}", f"target a HIP before {removed}")])
    findings = []
    if entry.hip_deprecated and options.at_least(entry.hip_deprecated):
        findings.append(Finding("P0281", f"`{hip}` (for `{name}`) is deprecated since HIP "
                                         f"{_version(entry.hip_deprecated)}",
                                "HIPIFY's tables name no replacement; see the HIP documentation"))
    if entry.hip_changed and not options.at_least(entry.hip_changed):
        findings.append(Finding("P0284", f"`{hip}` changed its signature in HIP {_version(entry.hip_changed)}; "
                                         f"HIP {target} has the older form (as CUDA before "
                                         f"{entry.cuda_changed or 'its change'})",
                                f"check the arguments against HIP {target}'s declaration"))
    if entry.hip_experimental and options.at_least(entry.hip_experimental):
        findings.append(Finding("P0286", f"`{hip}` (for `{name}`) is experimental in HIP "
                                         f"{_version(entry.hip_experimental)}"))
    return Verdict(hip, findings)
