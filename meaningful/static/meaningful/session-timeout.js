// Warn two minutes before the session ends; "Stay signed in" restarts the inactivity clock.
const WARN_BEFORE_SECONDS = 120;

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export function watchSession(body = document.body) {
  const seconds = Number(body.dataset.sessionSeconds);
  if (!seconds) return;
  const warning = document.getElementById("session-warning");
  const keep = document.getElementById("session-keep");
  let warnTimer;
  let endTimer;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(() => {
      warning.hidden = false;
      warning.focus();
    }, Math.max(0, seconds - WARN_BEFORE_SECONDS) * 1000);
    endTimer = setTimeout(() => {
      window.location.assign(body.dataset.timedOutUrl);
    }, seconds * 1000);
  }

  keep.addEventListener("click", async () => {
    const response = await fetch(body.dataset.keepSessionUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    });
    if (response.ok) {
      warning.hidden = true;
      schedule();
    } else {
      window.location.assign(body.dataset.timedOutUrl);
    }
  });
  schedule();
}
