// The queues the operator's profile serves, the visitors waiting in them (each can be called
// out of turn) and the operator's counts for the day.

import { element } from "./common.js";
import { callTicket } from "./operator-actions.js";
import { duration, serviceName } from "./operator-format.js";
import { myServices } from "./operator-live.js";
import { app, byId, t } from "./operator-state.js";

// Enough to fill the list; an operator picks from the front of it.
const MAX_LISTED = 100;

export function renderQueues() {
  const queues = new Map(app.view.queues.map((q) => [q.service, q]));
  const fetched = Date.now();
  byId("queues").replaceChildren(
    ...myServices()
      .filter((id) => queues.has(id))
      .map((id) => {
        const queue = queues.get(id);
        const longest = element("span", { class: "longest" });
        if (queue.waiting > 0) {
          longest.dataset.since = String(fetched - queue.longest_wait_secs * 1000);
          longest.dataset.norm = String(queue.waiting_norm_secs);
        } else {
          longest.textContent = "—";
        }
        return element(
          "li",
          { "data-service": id },
          element("span", { class: "prefix", text: queue.prefix }),
          element("span", { class: "name", text: serviceName(id) }),
          element("b", { class: "waiting", text: String(queue.waiting), title: t("op_waiting_count") }),
          longest,
        );
      }),
  );
}

export function renderTickets() {
  const served = new Set(myServices());
  const waiting = app.tickets
    .filter((ticket) => (ticket.status === "waiting" || ticket.status === "postponed") && served.has(ticket.service))
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
  const items = waiting.slice(0, MAX_LISTED).map((ticket) => {
    const call = element("button", { type: "button", class: "call", text: t("op_call") });
    call.addEventListener("click", () => callTicket(ticket));
    return element(
      "li",
      { "data-ticket": ticket.id, "data-status": ticket.status },
      element("span", { class: "number", text: ticket.number }),
      element("span", { class: "name", text: serviceName(ticket.service) }),
      element("span", {
        class: "note",
        text: ticket.status === "postponed" ? t("op_status_postponed") : "",
      }),
      element("span", { class: "wait", "data-since": String(Date.parse(ticket.created_at)) }),
      call,
    );
  });
  if (waiting.length > MAX_LISTED) {
    items.push(element("li", { class: "more", text: t("op_more", { n: waiting.length - MAX_LISTED }) }));
  }
  if (!items.length) items.push(element("li", { class: "empty", text: t("op_no_tickets") }));
  byId("tickets").replaceChildren(...items);
  byId("tickets-count").textContent = String(waiting.length);
}

export function renderToday() {
  const counts = app.today || {};
  for (const name of ["served", "no_show", "transferred"]) {
    byId("today").querySelector(`[data-count=${name}]`).textContent = String(counts[name] ?? 0);
  }
  const average = counts.average_service_secs;
  byId("today").querySelector("[data-count=average_service]").textContent = average == null ? "—" : duration(average);
}
