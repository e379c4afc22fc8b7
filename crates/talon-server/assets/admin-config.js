// The configuration file: exporting the network as TOML, and importing one in two steps (a
// check that reports what would change, then applying it).

import { element } from "./common.js";
import { fieldError } from "./admin-forms.js";
import { loadBranch, renderBranchPicker } from "./admin-session.js";
import { api, app, byId, errorText, save, say, t } from "./admin-state.js";

// The configuration file the import checked, sent again as it is when applied.
let importText = null;
// The export's download link, whose object URL is released when the next export replaces it.
let exportUrl = null;

export function renderConfigFile() {
  resetImport();
  byId("config-file").value = "";
}

// Downloads the whole configuration as `talon-config.toml` and shows what was downloaded.
async function exportConfig() {
  const exportButton = byId("config-export");
  exportButton.disabled = true;
  try {
    const text = await api("GET", "/config", undefined, { textAnswer: true });
    if (exportUrl) URL.revokeObjectURL(exportUrl);
    exportUrl = URL.createObjectURL(new Blob([text], { type: "application/toml" }));
    const link = element("a", { href: exportUrl, download: "talon-config.toml", text: "talon-config.toml" });
    byId("config-exported").replaceChildren(t("admin_config_exported"), " ", link);
    byId("config-exported").hidden = false;
    byId("config-text").textContent = text;
    byId("config-preview").hidden = false;
    link.click();
  } catch (error) {
    say(importFailure(error).join(" "), "error");
  } finally {
    exportButton.disabled = false;
  }
}

function resetImport() {
  importText = null;
  byId("config-error").hidden = true;
  byId("config-report").hidden = true;
  byId("config-apply").hidden = true;
  const box = byId("config-form").querySelector('.field[data-field="file"]');
  box.querySelector(".error").hidden = true;
  byId("config-file").removeAttribute("aria-invalid");
}

// The translated lead of a failure and, for a file refused, the server's own words naming the
// place in the file (`branches[0].services[2].prefix`), which no translation could name.
function importFailure(error) {
  const own = ["import_invalid", "import_interrupted", "config_not_exportable"].includes(error?.code);
  if (!own) return [errorText(error), ""];
  // The server's message names the place already; the field is added only where it does not.
  const place = error.field && !error.message.includes(error.field) ? `${error.field}: ` : "";
  return [t(`admin_error_${error.code}`), `${place}${error.message}`];
}

function showImportFailure(error) {
  const [lead, detail] = importFailure(error);
  byId("config-error-text").textContent = lead;
  byId("config-error-detail").textContent = detail;
  byId("config-error-detail").hidden = !detail;
  byId("config-error").hidden = false;
}

// Checks the chosen file with a dry run, which changes nothing, and shows what it would do.
async function checkImport(event) {
  event?.preventDefault();
  resetImport();
  const file = byId("config-file").files[0];
  // Choosing no file (a cancelled choice) is not a mistake; checking without one is.
  if (!file && event?.type === "change") return;
  if (!file) {
    fieldError(byId("config-form"), "file", "admin_config_choose");
    return;
  }
  await importing(async () => {
    const text = await file.text();
    const report = await api("POST", "/config?dry_run=true", text, { contentType: "application/toml" });
    importText = text;
    renderReport(report);
    byId("config-apply").hidden = !reportChanges(report);
  });
}

async function applyImport() {
  const text = importText;
  if (text == null) return;
  await importing(async () => {
    resetImport();
    const report = await api("POST", "/config", text, { contentType: "application/toml" });
    renderReport(report);
    byId("config-file").value = "";
    // The import may have created branches and changed the one open here.
    app.branches = await api("GET", "/branches");
    if (app.session.branch == null) app.session.branch = app.branches[0]?.id ?? null;
    save();
    renderBranchPicker();
    if (app.session.branch != null) await loadBranch();
    say(t("admin_config_imported"));
  });
}

// Runs a step of the import with its buttons off; a failure is shown at the import.
async function importing(step) {
  const buttons = [byId("config-check"), byId("config-apply")];
  for (const node of buttons) node.disabled = true;
  byId("config-form").setAttribute("aria-busy", "true");
  try {
    await step();
  } catch (error) {
    showImportFailure(error);
  } finally {
    for (const node of buttons) node.disabled = false;
    byId("config-form").removeAttribute("aria-busy");
  }
}

const KINDS = ["services", "categories", "profiles", "workplaces"];

function reportChanges(report) {
  return report.branches.some(
    (b) => b.settings !== "unchanged" || KINDS.some((k) => b.created[k].length || b.updated[k].length),
  );
}

// Per branch: its settings, and per kind how many things were (or would be) created and
// updated, with their keys.
function renderReport(report) {
  const changes = reportChanges(report);
  const title = report.applied ? "admin_config_report_applied" : changes ? "admin_config_report_dry" : "admin_config_report_same";
  byId("config-report-title").textContent = t(title);
  const count = (keys) =>
    element("td", { class: "count" }, String(keys.length), keys.length ? element("span", { class: "keys", text: keys.join(", ") }) : "");
  byId("config-report-branches").replaceChildren(
    ...report.branches.map((branch) =>
      element(
        "div",
        { class: "report-branch", "data-branch": branch.name },
        element(
          "h4",
          {},
          element("span", { text: branch.name }),
          element("span", { class: `settings ${branch.settings}`, text: t(`admin_config_settings_${branch.settings}`) }),
        ),
        element(
          "table",
          {},
          element(
            "thead",
            {},
            element(
              "tr",
              {},
              element("th", { text: t("admin_config_kind") }),
              element("th", { text: t("admin_config_created") }),
              element("th", { text: t("admin_config_updated") }),
            ),
          ),
          element(
            "tbody",
            {},
            ...KINDS.map((kind) =>
              element(
                "tr",
                { "data-kind": kind },
                element("th", { scope: "row", text: t(`admin_config_kind_${kind}`) }),
                count(branch.created[kind]),
                count(branch.updated[kind]),
              ),
            ),
          ),
        ),
        element("p", { class: "hint", text: t("admin_config_unchanged", { n: branch.unchanged }) }),
      ),
    ),
  );
  if (!report.branches.length) byId("config-report-branches").append(element("p", { class: "hint", text: t("admin_config_no_branches") }));
  byId("config-report").hidden = false;
}

export function wireConfig() {
  byId("config-export").addEventListener("click", exportConfig);
  byId("config-form").addEventListener("submit", checkImport);
  byId("config-file").addEventListener("change", checkImport);
  byId("config-apply").addEventListener("click", applyImport);
}
