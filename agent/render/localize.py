"""The report in the run's language, for the renderers (JSON included).

The finding catalogue (agent.findings) and the scenario titles (agent.scenarios.TITLES)
stay English in the model: rules and tests decide on codes, never on words.  Here, at
render time, each finding's title, explanation and fixes and the scenario title are
looked up in the message catalogue (agent.i18n).  A rule's own sentence put before the
catalogue explanation was written in the run's language already (rules call ``_``); the
catalogue part after it is translated here.  Codes, ids, addresses and field names never
change; the report records the language it was rendered in.
"""
from __future__ import annotations

from dataclasses import replace

from agent.i18n import _, language
from agent.model import Finding, Report


def _explanation(f: Finding) -> str:
    from agent.findings import CATALOGUE

    doc = CATALOGUE.get(f.code)
    text = f.explanation
    if doc is None or not doc.explanation or not text.endswith(doc.explanation):
        return _(text)
    before = text[: len(text) - len(doc.explanation)].rstrip()
    after = _(doc.explanation)
    if not before:
        return after
    before = _(before)
    # Japanese sentences end in 。 and take no space after it
    sep = "" if before.endswith(("。", "」", "）")) else " "
    return before + sep + after


def finding(f: Finding) -> Finding:
    return replace(f, title=_(f.title), explanation=_explanation(f), user_fix=_(f.user_fix),
                   admin_fix=_(f.admin_fix))


def localize(report: Report) -> Report:
    """``report`` with its catalogue text in the run's language and ``language`` set."""
    if language() == report.language == "en":
        return report
    return replace(report, findings=tuple(finding(f) for f in report.findings),
                   scenario=replace(report.scenario, title=_(report.scenario.title)), language=language())
