// Coding workbench: selecting words in a text fills in the "Apply codes" form (which text, the
// passage, and its offsets). Without scripts the same form is filled in by hand.
// Each stretch of a text is a span with data-at, its offset in the text as shown, so the
// selection's ends become offsets however the text is marked up.

function offsetOf(root, node, offset) {
  if (node.nodeType === Node.TEXT_NODE) {
    const span = node.parentElement.closest("[data-at]");
    return span && root.contains(span) ? Number(span.dataset.at) + offset : null;
  }
  const children = node.childNodes;
  if (offset < children.length) {
    const child = children[offset];
    if (child.nodeType === Node.TEXT_NODE) return offsetOf(root, child, 0);
    const marked = child.matches("[data-at]") ? child : child.querySelector("[data-at]");
    return marked ? Number(marked.dataset.at) : null;
  }
  // After the last child: the end of the last stretch within the node.
  const spans = [...(node.matches("[data-at]") ? [node] : []), ...node.querySelectorAll("[data-at]")];
  const last = spans[spans.length - 1];
  return last ? Number(last.dataset.at) + last.textContent.length : null;
}

function fill(form, root, range) {
  const start = offsetOf(root, range.startContainer, range.startOffset);
  const end = offsetOf(root, range.endContainer, range.endOffset);
  if (start === null || end === null || end <= start) return;
  form.querySelector("[name=narrative]").value = root.dataset.narrative;
  form.querySelector("[name=quote]").value = range.toString();
  form.querySelector("[name=start]").value = String(start);
  form.querySelector("[name=end]").value = String(end);
  const status = form.querySelector("#selection-status");
  if (status) {
    status.hidden = false;
    status.textContent = `Selected ${end - start} characters of ${root.dataset.heading}. Choose codes below and apply them.`;
  }
}

export function watchCoding(root = document) {
  const form = root.querySelector("form[data-coding-form]");
  if (!form) return;
  const quote = form.querySelector("[name=quote]");
  // Typing a passage by hand drops offsets taken from an earlier selection.
  quote.addEventListener("input", () => {
    form.querySelector("[name=start]").value = "";
    form.querySelector("[name=end]").value = "";
  });
  const texts = root.querySelectorAll("[data-narrative]");
  const chosen = () => {
    const selection = document.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return;
    const range = selection.getRangeAt(0);
    for (const text of texts) {
      if (text.contains(range.startContainer) && text.contains(range.endContainer)) {
        fill(form, text, range);
        return;
      }
    }
  };
  for (const text of texts) {
    text.addEventListener("mouseup", chosen);
    text.addEventListener("keyup", chosen);
    text.addEventListener("touchend", chosen);
  }
}
