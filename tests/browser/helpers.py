"""What several browser test modules share: which axe findings block, the sideways-scroll probe,
and a readable list of axe violations."""
from __future__ import annotations

BLOCKING = {"serious", "critical"}

# The page's scroll width against the window's, and the first elements that stick out to the right.
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .slice(0, 10)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (el.className ? "." + String(el.className).trim().split(/\\s+/).join(".") : "")
      + ` right=${Math.round(el.getBoundingClientRect().right)}`);
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, wide};
}"""


def describe(violations: list[dict]) -> str:
    """axe violations for a failure message: each rule, then each element it found."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}\n      {node['html'][:200]}\n      {summary}")
    return "\n".join(lines)
