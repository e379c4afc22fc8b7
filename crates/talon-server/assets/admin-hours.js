// The opening hours editor the branch and each service share: spans per weekday, checked as
// the server checks them.

import { element } from "./common.js";
import { button } from "./admin-format.js";
import { DAYS, t } from "./admin-state.js";

// Unticking "always open" starts from office hours on weekdays.
export function officeHours() {
  return Object.fromEntries(DAYS.slice(0, 5).map((day) => [day, ["09:00-18:00"]]));
}

// The opening hours editor, a service's or the branch's: one row a day in `grid`.
export function renderHours(grid, hours) {
  grid.replaceChildren(
    ...DAYS.map((day) => {
      const spans = element("div", { class: "spans" });
      const row = element(
        "div",
        { class: "day", "data-day": day },
        element("span", { class: "day-name", text: t(`admin_day_${day}`) }),
        spans,
        button("+", "ghost tiny", () => addSpan(spans, day, "", ""), { "aria-label": t("admin_add_span") }),
      );
      for (const span of hours[day] || []) {
        const [open, close] = span.split("-");
        addSpan(spans, day, open, close, false);
      }
      markClosed(spans);
      return row;
    }),
  );
}

function addSpan(spans, day, open, close, focus = true) {
  const from = element("input", {
    class: "time",
    value: open,
    placeholder: "09:00",
    maxlength: "5",
    inputmode: "numeric",
    "aria-label": `${t(`admin_day_${day}`)}: ${t("admin_opens")}`,
  });
  const to = element("input", {
    class: "time",
    value: close,
    placeholder: "18:00",
    maxlength: "5",
    inputmode: "numeric",
    "aria-label": `${t(`admin_day_${day}`)}: ${t("admin_closes")}`,
  });
  const span = element("span", { class: "span" }, from, "–", to);
  span.append(
    button("×", "ghost tiny", () => {
      span.remove();
      markClosed(spans);
    }, { "aria-label": t("admin_remove") }),
  );
  spans.append(span);
  markClosed(spans);
  if (focus) from.focus();
}

// Notes a day without spans as closed, and numbers the spans as the server's errors do.
function markClosed(spans) {
  const day = spans.parentElement?.dataset.day;
  spans.querySelectorAll(".span").forEach((span, index) => {
    const [from, to] = span.querySelectorAll("input");
    from.dataset.path = `hours.${day}[${index}]`;
    to.dataset.path = `hours.${day}[${index}].close`;
  });
  const empty = !spans.querySelector(".span");
  let note = spans.querySelector(".closed-note");
  if (empty && !note) spans.append(element("span", { class: "closed-note", text: t("admin_closed") }));
  if (!empty && note) note.remove();
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

// Whether `open`–`close` is a span the server accepts: times as HH:MM, 24:00 only as the end,
// opening before closing.
export function isSpan(open, close) {
  return TIME.test(open) && (TIME.test(close) || close === "24:00") && (close === "24:00" || open < close);
}

// The hours in an hours editor as the API takes them; each span it would refuse is a problem.
export function readHours(grid, problems) {
  const hours = {};
  for (const row of grid.children) {
    const day = row.dataset.day;
    const spans = [];
    for (const span of row.querySelectorAll(".span")) {
      const [from, to] = span.querySelectorAll("input");
      const open = from.value.trim();
      const close = to.value.trim();
      if (!isSpan(open, close)) problems.push([from.dataset.path, "admin_invalid_hours"]);
      spans.push(`${open}-${close}`);
    }
    if (spans.length) hours[day] = spans;
  }
  return hours;
}
