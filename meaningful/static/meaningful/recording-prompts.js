// Live recording prompts: as the practitioner writes, ask the server's checker (the same one
// that feeds recording-quality figures) and list its suggestions under the outcome. Never blocks.
const FIELDS = ["what_matters", "why_it_matters", "working", "not_working"];
const WAIT_MS = 700;

function csrfToken(form) {
  const input = form.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

async function check(form, section, target) {
  const prefix = section.dataset.outcome;
  const body = new FormData();
  for (const field of FIELDS) {
    const input = section.querySelector(`[name="${prefix}-${field}"]`);
    body.append(field, input ? input.value : "");
  }
  for (const box of section.querySelectorAll(`[name="${prefix}-contributions"]:checked`)) {
    body.append("contributions", box.value);
  }
  const response = await fetch(form.dataset.checkUrl, {
    method: "POST",
    body,
    headers: { "X-CSRFToken": csrfToken(form) },
    credentials: "same-origin",
  });
  if (!response.ok) return;
  const { prompts } = await response.json();
  target.replaceChildren();
  if (!prompts.length) return;
  const heading = document.createElement("p");
  heading.className = "govuk-body-s govuk-!-font-weight-bold govuk-!-margin-bottom-1";
  heading.textContent = "Suggestions (you can still save)";
  const list = document.createElement("ul");
  list.className = "govuk-list govuk-list--bullet govuk-body-s govuk-!-margin-bottom-0";
  for (const prompt of prompts) {
    const item = document.createElement("li");
    item.textContent = `${prompt.message}${prompt.phrase ? ` ('${prompt.phrase}')` : ""} ${prompt.suggestion}`;
    list.append(item);
  }
  target.append(heading, list);
}

export function watchRecording(root = document) {
  const form = root.querySelector("form[data-recording-form]");
  if (!form) return;
  for (const section of form.querySelectorAll("section[data-outcome]")) {
    const target = form.querySelector(`[data-prompts-for="${section.dataset.outcome}"]`);
    let timer;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => check(form, section, target), WAIT_MS);
    };
    section.addEventListener("input", later);
    section.addEventListener("change", later);
  }
}
