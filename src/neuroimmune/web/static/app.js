// neuroimmune dashboard: plain JavaScript over the HTTP API, no build step, no libraries.
// Plots and the axis diagram are drawn as SVG here. Every text from the server is set
// with textContent, never parsed as HTML.
"use strict";

(() => {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const PANEL_ORDER = ["Pathogen", "Cytokines", "Vital signs", "HPA axis", "Brain", "Tryptophan", "Gut", "Symptoms"];
  const LOG_PANELS = new Set(["Pathogen", "Cytokines"]);
  // Vital signs move by a few percent around a large resting value: their axes fit the data.
  const FIT_PANELS = new Set(["Vital signs"]);
  const LOG_DECADES = 4;      // a log axis shows at most 4 decades below its maximum
  const SOLVER_DUST = 1e-9;   // below this a value is integration noise around zero
  const DAYS_AFTER_H = 72;    // longer runs read more easily in days
  const SPARSE_MARKS = 10;    // agents with more doses are shown only in the timeline
  const SIMULATE_DEBOUNCE_MS = 150;
  const AXIS_DEBOUNCE_MS = 40;
  const ACTIVITY_FULL = 4;    // log2 fold change drawn at full colour (16-fold)
  const NODE_W = 112;
  const NODE_H = 36;

  const SHORT = {
    pathogen: "pathogen load", LPS_plasma_pg_mL: "plasma LPS", TNF_pg_mL: "TNF-α",
    IL6_pg_mL: "IL-6", IL1b_pg_mL: "IL-1β", IL10_pg_mL: "IL-10", CRP_mg_L: "CRP",
    ex_vivo_TNF_pg_mL: "ex vivo TNF-α",
    temperature_C: "temperature", heart_rate_bpm: "heart rate",
    ACTH_pg_mL: "ACTH", cortisol_nmol_L: "cortisol", BBB_permeability: "BBB permeability",
    microglia_activation: "activated microglia", brain_cytokines: "brain cytokines",
    tryptophan_uM: "tryptophan", kynurenine_uM: "kynurenine", serotonin_brain: "brain serotonin",
    commensals: "commensals", pathobionts: "pathobionts", SCFA: "SCFA",
    gut_permeability: "gut permeability", fatigue: "fatigue", depressed_mood: "depressed mood",
    anxiety: "anxiety", cognitive_impairment: "cognitive impairment", hamd: "HAM-D 17",
  };
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"];
  const AGENT_COLOURS = {
    lps: "#8c510a", bacteria: "#bf812d", virus: "#762a83", ifn_alpha: "#9970ab",
    hydrocortisone: "#1b7837", dexamethasone: "#5aae61", infliximab: "#2166ac",
    tocilizumab: "#4393c3", sertraline: "#c51b7d", paroxetine: "#de77ae", antibiotic: "#4d4d4d",
    probiotic: "#35978f", nsaid: "#e08214", vns: "#01665e", stressor: "#b2182b",
    stress_reduction: "#80cdc1",
  };
  // Typical doses (those of the built-in scenarios) for a newly added intervention.
  const TYPICAL_DOSE = {
    lps: [2, "ng/kg"], bacteria: [1e7, "CFU"], virus: [1e4, "PFU"], ifn_alpha: [180, "ug"],
    hydrocortisone: [100, "mg"], dexamethasone: [1, "mg"], infliximab: [5, "mg/kg"],
    tocilizumab: [8, "mg/kg"], sertraline: [50, "mg"], paroxetine: [20, "mg"],
    antibiotic: [875, "mg"], probiotic: [1e10, "CFU"], nsaid: [400, "mg"],
  };
  const SLIDER_LABELS = {
    baseline_stress: "Stress level",
    microbiome_health: "Microbiome health",
    baseline_inflammation: "Baseline inflammation",
    autoreactivity: "Autoreactivity",
    depression_vulnerability: "Depression vulnerability",
    body_weight_kg: "Body weight",
  };
  const TIME_KEYS = ["at_h", "from_h", "to_h", "until_h"];

  const state = {
    catalogue: [], agents: {}, parameters: {}, patientNames: [],
    scenario: null, runA: null, runB: null,
    axisTime: 0, axisTouched: false, reference: "healthy",
    simTimer: null, simController: null, axisTimer: null, axisController: null,
    playing: false, panelCursors: [],
  };

  const $ = (id) => document.getElementById(id);

  // --- small helpers ------------------------------------------------------------------

  function el(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function svg(tag, attrs = {}, parent = null) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    if (parent) parent.append(node);
    return node;
  }

  function fmt(value, digits = 3) {
    if (value === null || value === undefined || !Number.isFinite(value)) return "–";
    if (value === 0) return "0";
    const magnitude = Math.abs(value);
    if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(digits - 1);
    return String(Number(value.toPrecision(digits)));
  }

  function fmtTime(hours, inDays) {
    return inDays ? `${fmt(hours / 24, 3)} d` : `${fmt(hours, 3)} h`;
  }

  function clock(hours) {
    const minutes = Math.round((((hours % 24) + 24) % 24) * 60) % 1440;
    return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
  }

  const clone = (value) => JSON.parse(JSON.stringify(value));

  class ApiError extends Error {
    constructor(status, detail) {
      super(typeof detail === "string" ? detail : `request failed (${status})`);
      this.status = status;
      this.detail = detail;
    }
  }

  async function api(path, body, signal) {
    const options = body === undefined ? { signal } : {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), signal,
    };
    const response = await fetch(path, options);
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail; } catch { /* not JSON */ }
      throw new ApiError(response.status, detail);
    }
    return response;
  }

  const getJSON = async (path) => (await api(path)).json();

  function setStatus(text, kind = "") {
    const status = $("status");
    status.textContent = text;
    status.className = `status ${kind}`;
  }

  function showErrors(error) {
    const box = $("errors");
    box.replaceChildren();
    if (!error) { box.hidden = true; return; }
    box.hidden = false;
    if (Array.isArray(error.detail)) {
      box.append(el("b", { text: "Not simulated; please fix:" }));
      const list = el("ul");
      for (const item of error.detail) {
        list.append(el("li", {}, [el("code", { text: item.field || "request" }), ` ${item.msg}`]));
      }
      box.append(list);
    } else {
      box.append(el("b", { text: `Error ${error.status || ""}: ` }), String(error.detail || error.message));
    }
  }

  // --- controls -----------------------------------------------------------------------

  // A log slider (its track runs over log10 of the value) for positive ranges of two
  // decades or more, where a linear track would crowd the usual values into one end.
  function slider({ label, min, max, step, value, onChange, hint = "", log = false }) {
    const toTrack = (v) => (log ? Math.log10(v) : v);
    const fromTrack = (t) => (log ? 10 ** t : t);
    const range = el("input", log
      ? { type: "range", min: toTrack(min), max: toTrack(max), step: "any", value: toTrack(value) }
      : { type: "range", min, max, step, value });
    const number = el("input", { type: "number", step: "any", value: fmt(value, 4) });
    const name = el("label", {}, [el("b", { text: label }), hint ? ` ${hint}` : ""]);
    range.addEventListener("input", () => {
      const chosen = log ? Number(fmt(fromTrack(Number(range.value)), 4)) : Number(range.value);
      number.value = chosen;
      onChange(chosen);
    });
    number.addEventListener("change", () => {
      const parsed = Number(number.value);
      if (number.value.trim() === "" || !Number.isFinite(parsed) || (log && parsed <= 0)) return;
      range.value = toTrack(parsed);
      onChange(parsed);
    });
    return el("div", { class: "slider" }, [name, range, number]);
  }

  function renderControls() {
    const scenario = state.scenario;
    $("duration").value = scenario.duration_h;
    $("clock-start").value = scenario.clock_start_h ?? 8;
    $("scenario-description").textContent = scenario.description || scenario.name || "";
    renderPatient();
    renderInterventions();
    updateSbmlLink();
  }

  function renderPatient() {
    const box = $("patient-sliders");
    box.replaceChildren();
    const patient = state.scenario.patient || {};
    for (const name of state.patientNames) {
      const parameter = state.parameters[name];
      if (!parameter) continue;
      const span = parameter.high - parameter.low;
      box.append(slider({
        label: SLIDER_LABELS[name] || name,
        hint: `(${name}${parameter.unit && parameter.unit !== "dimensionless" ? `, ${parameter.unit}` : ""})`,
        min: parameter.low, max: parameter.high, step: span >= 50 ? 1 : span / 100,
        log: parameter.low > 0 && parameter.high / parameter.low >= 100,
        value: patient[name] ?? parameter.value,
        onChange: (value) => {
          state.scenario.patient = { ...(state.scenario.patient || {}), [name]: value };
          simulateSoon();
        },
      }));
      box.lastChild.dataset.parameter = name;
      box.lastChild.title = parameter.description;
    }
  }

  function schedule(item) {
    const parts = [];
    const h = (value) => fmt(value, 6);
    if (item.at_h !== undefined) parts.push(`at ${h(item.at_h)} h`);
    if (item.from_h !== undefined) parts.push(`${h(item.from_h)}–${h(item.to_h)} h`);
    if (item.every_h !== undefined) parts.push(`every ${h(item.every_h)} h to ${h(item.until_h)} h`);
    return parts.join(", ");
  }

  function renderInterventions() {
    const box = $("interventions");
    box.replaceChildren();
    const items = state.scenario.intervention || [];
    if (!items.length) box.append(el("p", { class: "note", text: "None: the patient at rest." }));
    items.forEach((item, index) => {
      const agent = state.agents[item.agent] || { kind: "dose", description: "" };
      const summary = el("span", { text: schedule(item) });
      const remove = el("button", { type: "button", title: "Remove", text: "×" });
      remove.addEventListener("click", () => {
        state.scenario.intervention.splice(index, 1);
        renderInterventions();
        simulateSoon(0);
      });
      const card = el("div", { class: "intervention" }, [
        el("header", {}, [el("b", { text: item.agent }), summary, remove]),
      ]);
      card.style.setProperty("--agent", AGENT_COLOURS[item.agent] || "#888");
      card.title = agent.description;
      card.dataset.index = index;
      if (agent.kind === "dose" && typeof item.amount === "number") {
        const base = item.amount;
        card.append(slider({
          label: "Dose", hint: `(${item.unit || ""})`, min: base / 100, max: base * 4, step: base / 100,
          value: base,
          onChange: (value) => { item.amount = value; simulateSoon(); },
        }));
      }
      if (agent.kind === "exposure") {
        card.append(slider({
          label: "Intensity", hint: "(0–1)", min: 0.01, max: 1, step: 0.01, value: item.intensity ?? 0.5,
          onChange: (value) => { item.intensity = value; simulateSoon(); },
        }));
      }
      const start = item.at_h ?? item.from_h ?? 0;
      const last = Math.max(...TIME_KEYS.map((key) => item[key] ?? 0));
      const room = Math.max(state.scenario.duration_h - (last - start), 0);
      card.append(slider({
        label: "Start", hint: "(h after t = 0; repeats move with it)", min: 0, max: room,
        step: room > 72 ? 1 : 0.25, value: start,
        onChange: (value) => {
          const shift = value - (item.at_h ?? item.from_h ?? 0);
          for (const key of TIME_KEYS) if (item[key] !== undefined) item[key] += shift;
          summary.textContent = schedule(item);
          simulateSoon();
        },
      }));
      box.append(card);
    });
  }

  function addIntervention() {
    const name = $("add-agent").value;
    const agent = state.agents[name];
    if (!agent) return;
    const duration = state.scenario.duration_h;
    let item;
    if (agent.kind === "dose") {
      const [amount, unit] = TYPICAL_DOSE[name] || [1, agent.units[0]];
      item = { agent: name, amount, unit, at_h: 0 };
    } else {
      item = { agent: name, from_h: 0, to_h: Math.min(duration, 2), intensity: 0.5 };
    }
    state.scenario.intervention = [...(state.scenario.intervention || []), item];
    renderInterventions();
    simulateSoon(0);
  }

  function updateSbmlLink() {
    const query = new URLSearchParams({ clock_start_h: String(state.scenario.clock_start_h ?? 8) });
    for (const [name, value] of Object.entries(state.scenario.patient || {})) query.set(name, String(value));
    $("download-sbml").href = `/api/model.sbml?${query}`;
  }

  // --- simulation ---------------------------------------------------------------------

  function simulateSoon(delay = SIMULATE_DEBOUNCE_MS) {
    clearTimeout(state.simTimer);
    state.simTimer = setTimeout(simulate, delay);
  }

  async function simulate() {
    if (state.simController) state.simController.abort();
    const controller = new AbortController();
    state.simController = controller;
    const body = { scenario: clone(state.scenario) };
    setStatus("simulating…", "busy");
    const started = performance.now();
    try {
      const data = await (await api("/api/simulate", body, controller.signal)).json();
      if (controller.signal.aborted) return;
      state.runB = { body, data };
      showErrors(null);
      setupTimeSlider();
      renderPanels();
      renderSummary();
      updateSbmlLink();
      axisSoon(0);
      const took = Math.round(performance.now() - started);
      setStatus(`${data.scenario.name}: ${data.time_h.length} time points in ${took} ms${data.cached ? " (cached)" : ""}`);
    } catch (error) {
      if (error.name === "AbortError") return;
      showErrors(error);
      setStatus("the last change was not simulated (see the message on the left)", "error");
    }
  }

  function runDuration(run) {
    const t = run.data.time_h;
    return t[t.length - 1];
  }

  function defaultAxisTime(data) {
    const tnf = data.observables.find((o) => o.name === "TNF_pg_mL");
    const t = data.time_h;
    if (tnf) {
      let peak = 0;
      tnf.values.forEach((v, i) => { if (v > tnf.values[peak]) peak = i; });
      if (tnf.values[peak] > 1.5 * tnf.values[0]) return t[peak];
    }
    return t[t.length - 1];
  }

  function setupTimeSlider() {
    const data = state.runB.data;
    const t = data.time_h;
    const end = Math.max(runDuration(state.runB), state.runA ? runDuration(state.runA) : 0);
    const input = $("axis-time");
    input.max = end;
    input.step = t.length > 1 ? t[1] - t[0] : 0.1;
    if (!state.axisTouched) state.axisTime = defaultAxisTime(data);
    state.axisTime = Math.min(Math.max(state.axisTime, 0), end);
    input.value = state.axisTime;
    showAxisTime();
  }

  function showAxisTime() {
    const inDays = Number($("axis-time").max) > DAYS_AFTER_H;
    $("axis-time-label").textContent = fmtTime(state.axisTime, inDays);
    const start = state.scenario ? state.scenario.clock_start_h ?? 8 : 8;
    $("axis-clock").textContent = `${fmtTime(state.axisTime, inDays)} (clock ${clock(start + state.axisTime)})`;
    for (const cursor of state.panelCursors) cursor();
  }

  // --- axis diagram -------------------------------------------------------------------

  function axisSoon(delay = AXIS_DEBOUNCE_MS) {
    clearTimeout(state.axisTimer);
    state.axisTimer = setTimeout(updateAxis, delay);
  }

  async function axisFor(run, signal) {
    const time = Math.min(state.axisTime, runDuration(run));
    const body = { ...run.body, time_h: time, reference: state.reference };
    return (await api("/api/axis", body, signal)).json();
  }

  async function updateAxis() {
    if (!state.runB) return;
    if (state.axisController) state.axisController.abort();
    const controller = new AbortController();
    state.axisController = controller;
    try {
      const [b, a] = await Promise.all([
        axisFor(state.runB, controller.signal),
        state.runA ? axisFor(state.runA, controller.signal) : null,
      ]);
      if (controller.signal.aborted) return;
      drawAxis($("axis-b"), b);
      if (a) drawAxis($("axis-a"), a);
    } catch (error) {
      if (error.name === "AbortError") return;
      showErrors(error);
    }
  }

  const STOPS = [[33, 102, 172], [146, 197, 222], [247, 247, 247], [244, 165, 130], [178, 24, 43]];

  function strength(activity) {
    return Math.sqrt(Math.min(Math.abs(activity), ACTIVITY_FULL) / ACTIVITY_FULL);
  }

  function activityColour(activity) {
    const t = (Math.sign(activity) * strength(activity) + 1) / 2 * (STOPS.length - 1);
    const i = Math.min(Math.floor(t), STOPS.length - 2);
    const f = t - i;
    const rgb = STOPS[i].map((c, k) => Math.round(c + (STOPS[i + 1][k] - c) * f));
    return `rgb(${rgb.join(",")})`;
  }

  function linkColour(activity) {
    const s = strength(activity);
    const rest = [150, 160, 174];
    const end = activity >= 0 ? STOPS[4] : STOPS[0];
    const rgb = rest.map((c, k) => Math.round(c + (end[k] - c) * s));
    return `rgb(${rgb.join(",")})`;
  }

  function foldText(activity) {
    if (Math.abs(activity) < 0.05) return "at rest";
    const fold = 2 ** Math.abs(activity);
    const shown = fold >= 63.5 ? ">64" : fold >= 10 ? fold.toFixed(0) : fold >= 1.1 ? fold.toFixed(1) : fold.toFixed(2);
    return `${activity > 0 ? "×" : "÷"}${shown}`;
  }

  function edgePoint(from, to) {
    // Where the segment from a node's centre towards ``to`` leaves its box.
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    const sx = dx === 0 ? Infinity : (NODE_W / 2 + 3) / Math.abs(dx);
    const sy = dy === 0 ? Infinity : (NODE_H / 2 + 3) / Math.abs(dy);
    const s = Math.min(sx, sy, 1);
    return { x: from.x + dx * s, y: from.y + dy * s };
  }

  function drawAxis(root, data) {
    root.replaceChildren();
    for (const region of data.regions) {
      const g = svg("g", { class: `region ${region.id}` }, root);
      svg("rect", { x: region.x, y: region.y, width: region.width, height: region.height, rx: 8 }, g);
      const y = region.label_at === "bottom" ? region.y + region.height - 10 : region.y + 17;
      svg("text", { x: region.x + 10, y, text: region.label }, g);
    }
    const nodes = Object.fromEntries(data.nodes.map((n) => [n.id, n]));
    const pairs = new Set(data.links.map((l) => `${l.source}->${l.target}`));
    const linkLayer = svg("g", {}, root);
    for (const link of data.links) {
      const a = nodes[link.source];
      const b = nodes[link.target];
      const bend = link.bend || (pairs.has(`${link.target}->${link.source}`) ? 26 : 0);
      const curved = bend !== 0;
      const mx = (a.x + b.x) / 2;
      const my = (a.y + b.y) / 2;
      const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
      const control = { x: mx - ((b.y - a.y) / length) * bend, y: my + ((b.x - a.x) / length) * bend };
      const start = edgePoint(a, curved ? control : b);
      const end = edgePoint(b, curved ? control : a);
      const colour = linkColour(link.activity);
      const width = link.activity > 0 ? 1.3 + 5.5 * strength(link.activity) : 1.3;
      const g = svg("g", { class: "link-group", "data-link": link.id }, linkLayer);
      const d = curved
        ? `M${start.x},${start.y} Q${control.x},${control.y} ${end.x},${end.y}`
        : `M${start.x},${start.y} L${end.x},${end.y}`;
      svg("path", { d, class: "link", stroke: colour, "stroke-width": width,
                    "stroke-dasharray": link.activity < -0.05 ? "5 4" : "none" }, g);
      // the head: an arrow for stimulation, a bar for inhibition
      const from = curved ? control : start;
      const ux = (end.x - from.x) / (Math.hypot(end.x - from.x, end.y - from.y) || 1);
      const uy = (end.y - from.y) / (Math.hypot(end.x - from.x, end.y - from.y) || 1);
      const size = 6 + width;
      if (link.sign > 0) {
        const bx = end.x - ux * size;
        const by = end.y - uy * size;
        svg("path", { d: `M${end.x},${end.y} L${bx - uy * size * 0.55},${by + ux * size * 0.55} ` +
                         `L${bx + uy * size * 0.55},${by - ux * size * 0.55} z`, fill: colour }, g);
      } else {
        svg("line", { x1: end.x - uy * size * 0.7, y1: end.y + ux * size * 0.7,
                      x2: end.x + uy * size * 0.7, y2: end.y - ux * size * 0.7,
                      stroke: colour, "stroke-width": Math.max(width, 2.2) }, g);
      }
      // a wide invisible stroke makes thin links easy to hover
      const hit = svg("path", { d, stroke: "transparent", "stroke-width": 12, fill: "none" }, g);
      hit.addEventListener("mousemove", (event) => tooltip(event, [
        `${a.label} ${link.sign > 0 ? "→" : "⊣"} ${b.label}: ${link.label}`,
        `carried by ${link.driver}: ${fmt(link.value)} (reference ${fmt(link.reference)})`,
        `activity ${foldText(link.activity)} against the reference`,
      ]));
      hit.addEventListener("mouseleave", hideTooltip);
    }
    for (const node of data.nodes) {
      const fill = activityColour(node.activity);
      const dark = strength(node.activity) > 0.62;
      const g = svg("g", { class: `node ${node.region}`, "data-node": node.id,
                           "data-activity": node.activity.toFixed(3) }, root);
      svg("rect", { x: node.x - NODE_W / 2, y: node.y - NODE_H / 2, width: NODE_W, height: NODE_H,
                    rx: 7, fill }, g);
      svg("text", { x: node.x, y: node.y - 3, text: node.label, fill: dark ? "#fff" : "#1f2933" }, g);
      svg("text", { x: node.x, y: node.y + 12, class: "fold", text: foldText(node.activity),
                    fill: dark ? "#fff" : "#5f6b7a" }, g);
      g.addEventListener("mousemove", (event) => tooltip(event, [
        `${node.label}: ${node.description}`,
        `${node.symbol} = ${fmt(node.value)} ${node.unit}`,
        `reference ${fmt(node.reference)} ${node.unit} (${data.reference === "healthy" ? "healthy person" : "this patient"} at rest, same clock time)`,
        `activity ${foldText(node.activity)}`,
      ]));
      g.addEventListener("mouseleave", hideTooltip);
    }
    root.dataset.time = String(data.time_h);
  }

  function tooltip(event, lines) {
    const tip = $("tooltip");
    tip.textContent = lines.join("\n");
    tip.hidden = false;
    const x = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    const y = Math.min(event.clientY + 14, window.innerHeight - tip.offsetHeight - 8);
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }

  function hideTooltip() { $("tooltip").hidden = true; }

  // --- time-course panels -------------------------------------------------------------

  function niceStep(span, count) {
    const raw = span / Math.max(count, 1);
    const power = 10 ** Math.floor(Math.log10(raw));
    const unit = raw / power;
    return (unit >= 5 ? 10 : unit >= 2 ? 5 : unit >= 1 ? 2 : 1) * power;
  }

  function linearTicks(lo, hi, count = 4) {
    const step = niceStep(hi - lo, count);
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
    return ticks;
  }

  function logTicks(lo, hi) {
    const ticks = [];
    for (let p = Math.ceil(Math.log10(lo)); p <= Math.floor(Math.log10(hi)); p++) ticks.push(10 ** p);
    return ticks;
  }

  function yScale(seriesList, log, top, bottom, fit = false) {
    const all = seriesList.flat().filter((v) => v !== null && Number.isFinite(v));
    let lo;
    let hi;
    if (log) {
      const positive = all.filter((v) => v > SOLVER_DUST);
      if (!positive.length) { lo = 1e-3; hi = 1; } else {
        hi = Math.max(...positive) * 1.4;
        lo = Math.max(Math.min(...positive), Math.max(...positive) / 10 ** LOG_DECADES) / 1.5;
      }
      const [a, b] = [Math.log10(lo), Math.log10(hi)];
      const map = (v) => bottom - ((Math.log10(Math.max(v, lo)) - a) / (b - a)) * (bottom - top);
      return { map, ticks: logTicks(lo, hi), log };
    }
    lo = all.length ? Math.min(...all) : 0;
    hi = all.length ? Math.max(...all) : 1;
    if (lo >= 0 && !fit) lo = 0;
    if (fit) lo -= (hi - lo) * 0.06;
    if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) { hi = lo + (Math.abs(lo) || 1) * 0.1 + 1e-9; }
    hi += (hi - lo) * 0.06;
    const map = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    return { map, ticks: linearTicks(lo, hi), log };
  }

  function pathData(t, values, x, y) {
    let d = "";
    let pen = false;
    for (let i = 0; i < t.length; i++) {
      const v = values[i];
      if (v === null || !Number.isFinite(v)) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${x(t[i]).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    return d;
  }

  function renderPanels() {
    const box = $("panels");
    box.replaceChildren();
    state.panelCursors = [];
    const runs = [];
    if (state.runA) runs.push({ data: state.runA.data, cls: "run-a", tag: "A" });
    runs.push({ data: state.runB.data, cls: "run-b", tag: "B" });
    const span = Math.max(...runs.map((r) => r.data.time_h[r.data.time_h.length - 1]));
    const inDays = span > DAYS_AFTER_H;
    const scale = inDays ? 24 : 1;
    const byName = (data) => Object.fromEntries(data.observables.map((o) => [o.name, o]));
    const lookups = runs.map((r) => byName(r.data));
    const current = state.runB.data;
    const marks = current.interventions;
    const perAgent = {};
    for (const m of marks) perAgent[m.agent] = (perAgent[m.agent] || 0) + 1;

    for (const group of PANEL_ORDER) {
      const names = current.observables.filter((o) => o.group === group).map((o) => o.name);
      if (!names.length) continue;
      box.append(panel(group, names, runs, lookups, { span, inDays, scale, marks, perAgent }));
    }
    if (marks.length) box.append(timeline(marks, { span, inDays, scale }));
    box.dataset.revision = String(Number(box.dataset.revision || 0) + 1);
    $("compare-legend").hidden = !state.runA;
  }

  let measure = null;

  function textWidth(text, px, weight = 400) {
    // Canvas metrics in the page's font: the panel's SVG is not in the document yet.
    if (!measure) measure = document.createElement("canvas").getContext("2d");
    measure.font = `${weight} ${px}px ${getComputedStyle(document.body).fontFamily}`;
    return measure.measureText(text).width;
  }

  function panelFrame(title, height) {
    const W = 560;
    const root = svg("svg", { viewBox: `0 0 ${W} ${height}`, role: "img", "aria-label": title });
    svg("text", { x: 8, y: 16, class: "title", text: title }, root);
    return { root, W };
  }

  function xAxis(root, x, { span, inDays, scale }, top, bottom, left, right) {
    for (const tick of linearTicks(0, span / scale, 6)) {
      const px = x(tick * scale);
      svg("line", { x1: px, x2: px, y1: top, y2: bottom, class: "grid" }, root);
      svg("text", { x: px, y: bottom + 13, class: "tick", "text-anchor": "middle", text: fmt(tick) }, root);
    }
    svg("text", { x: (left + right) / 2, y: bottom + 25, class: "axis-label", "text-anchor": "middle",
                  text: inDays ? "time since start (days)" : "time since start (h)" }, root);
  }

  function legendRows(title, names, isRight) {
    // Entries in reading order, packed into right-aligned rows; the first row shares
    // its line with the panel title.
    const gap = 34; // swatch and spacing before each entry
    const right = 560 - 8;
    const entries = names.map((name, index) => {
      const onRight = isRight(name);
      const text = `${SHORT[name] || name}${onRight ? " (right)" : ""}`;
      return { text, width: textWidth(text, 11), right: onRight, index };
    });
    const rows = [[]];
    let room = right - (8 + textWidth(title, 13, 600) + 16);
    for (const entry of entries) {
      const row = rows[rows.length - 1];
      if (row.length && entry.width + gap > room) {
        rows.push([]);
        room = right - 60;
      }
      rows[rows.length - 1].push(entry);
      room -= entry.width + gap;
    }
    const items = [];
    rows.forEach((row, r) => {
      let x = right;
      for (const entry of [...row].reverse()) {
        items.push({ ...entry, x, y: 16 + 15 * r });
        x -= entry.width + gap;
      }
    });
    return { items, rows: rows.length };
  }

  function panel(group, names, runs, lookups, frame) {
    const height = 214;
    const units = [...new Set(names.map((n) => lookups[lookups.length - 1][n].unit))];
    const twoAxes = units.length === 2;
    const scaled = units.length > 2;
    const left = 62;
    const right = twoAxes ? 560 - 62 : 560 - 14;
    const entries = legendRows(group, names, (name) => twoAxes && lookups[lookups.length - 1][name].unit === units[1]);
    const top = 40 + 15 * (entries.rows - 1);
    const bottom = height - 34;
    const { root } = panelFrame(group, height);
    const log = LOG_PANELS.has(group);
    const x = (t) => left + (t / frame.span) * (right - left);
    const sides = twoAxes ? [units[0], units[1]] : [units[0]];
    const seriesOf = (lookup, name) => {
      const values = lookup[name] ? lookup[name].values : [];
      if (!scaled) return values;
      const peak = Math.max(...values.filter((v) => v !== null).map(Math.abs)) || 1;
      return values.map((v) => (v === null ? null : v / peak));
    };
    const scales = sides.map((unit) => {
      const members = names.filter((n) => scaled || lookups[lookups.length - 1][n].unit === unit);
      return yScale(lookups.flatMap((lookup) => members.map((n) => seriesOf(lookup, n))), log, top, bottom,
                    FIT_PANELS.has(group) && !scaled);
    });
    xAxis(root, x, frame, top, bottom, left, right);
    sides.forEach((unit, s) => {
      const { map, ticks } = scales[s];
      const px = s === 0 ? left : right;
      for (const tick of ticks) {
        const py = map(tick);
        if (s === 0) svg("line", { x1: left, x2: right, y1: py, y2: py, class: "grid" }, root);
        svg("text", { x: s === 0 ? px - 5 : px + 5, y: py + 3, class: "tick",
                      "text-anchor": s === 0 ? "end" : "start", text: fmt(tick) }, root);
      }
      const label = scaled ? "fraction of own maximum" : unit;
      const ly = (top + bottom) / 2;
      const lx = s === 0 ? 13 : 560 - 6;
      svg("text", { x: lx, y: ly, class: "axis-label", "text-anchor": "middle",
                    transform: `rotate(-90 ${lx} ${ly})`, text: label }, root);
    });
    svg("rect", { x: left, y: top, width: right - left, height: bottom - top, class: "frame" }, root);

    // interventions: doses as dotted lines, windows shaded (current run)
    for (const mark of frame.marks) {
      if (frame.perAgent[mark.agent] > SPARSE_MARKS) continue;
      const colour = AGENT_COLOURS[mark.agent] || "#777";
      if (mark.end_h === null) {
        svg("line", { x1: x(mark.start_h), x2: x(mark.start_h), y1: top, y2: bottom, class: "dose", stroke: colour }, root);
      } else {
        svg("rect", { x: x(mark.start_h), y: top, width: Math.max(x(mark.end_h) - x(mark.start_h), 1),
                      height: bottom - top, class: "span", fill: colour }, root);
      }
    }

    // series: run A faint and wide underneath, the current run solid on top
    const clip = `clip-${group.replace(/\W/g, "")}`;
    const defs = svg("defs", {}, root);
    const clipPath = svg("clipPath", { id: clip }, defs);
    svg("rect", { x: left, y: top - 2, width: right - left, height: bottom - top + 4 }, clipPath);
    const layer = svg("g", { "clip-path": `url(#${clip})` }, root);
    runs.forEach((run, r) => {
      names.forEach((name, i) => {
        const side = twoAxes && lookups[r][name] && lookups[r][name].unit === units[1] ? 1 : 0;
        const values = seriesOf(lookups[r], name);
        if (!values.length) return;
        svg("path", {
          d: pathData(run.data.time_h, values, x, scales[side].map), class: `series ${run.cls}`,
          stroke: PALETTE[i % PALETTE.length], "stroke-dasharray": side === 1 ? "6 3" : "none",
          "data-series": name, "data-run": run.tag,
          "data-max": String(Math.max(...lookups[r][name].values.filter((v) => v !== null))),
        }, layer);
      });
    });

    // legend, right-aligned from the title row down
    const legend = svg("g", { class: "legend" }, root);
    for (const item of entries.items) {
      svg("text", { x: item.x, y: item.y, "text-anchor": "end", text: item.text }, legend);
      svg("line", { x1: item.x - item.width - 22, x2: item.x - item.width - 4, y1: item.y - 4, y2: item.y - 4,
                    stroke: PALETTE[item.index % PALETTE.length], "stroke-width": 2.5,
                    "stroke-dasharray": item.right ? "5 2" : "none" }, legend);
    }

    // the axis time, a hover read-out, and click to move the diagram
    const cursor = svg("line", { y1: top, y2: bottom, class: "cursor" }, root);
    const place = () => { const px = x(state.axisTime); cursor.setAttribute("x1", px); cursor.setAttribute("x2", px); };
    place();
    state.panelCursors.push(place);
    const hover = svg("line", { y1: top, y2: bottom, class: "hover", visibility: "hidden" }, root);
    const toTime = (event) => {
      const box = root.getBoundingClientRect();
      const px = ((event.clientX - box.left) / box.width) * 560;
      return Math.min(Math.max(((px - left) / (right - left)) * frame.span, 0), frame.span);
    };
    root.addEventListener("mousemove", (event) => {
      const t = toTime(event);
      hover.setAttribute("x1", x(t));
      hover.setAttribute("x2", x(t));
      hover.setAttribute("visibility", "visible");
      const lines = [`${group} at ${fmtTime(t, frame.inDays)}`];
      runs.forEach((run, r) => {
        const times = run.data.time_h;
        let i = 0;
        while (i < times.length - 1 && times[i + 1] <= t) i++;
        if (t > times[times.length - 1]) return;
        for (const name of names) {
          const item = lookups[r][name];
          if (!item) continue;
          lines.push(`${runs.length > 1 ? `${run.tag}: ` : ""}${SHORT[name] || name} ${fmt(item.values[i])} ${item.unit}`);
        }
      });
      tooltip(event, lines);
    });
    root.addEventListener("mouseleave", () => { hover.setAttribute("visibility", "hidden"); hideTooltip(); });
    root.addEventListener("click", (event) => {
      state.axisTime = toTime(event);
      state.axisTouched = true;
      $("axis-time").value = state.axisTime;
      showAxisTime();
      axisSoon(0);
    });
    const holder = el("div", { class: "panel", "data-group": group });
    holder.append(root);
    return holder;
  }

  function timeline(marks, frame) {
    const agents = [...new Set(marks.map((m) => m.agent))];
    const height = 60 + agents.length * 22;
    const { root } = panelFrame("Interventions", height);
    const left = 110;
    const right = 560 - 14;
    const top = 30;
    const bottom = height - 34;
    const x = (t) => left + (t / frame.span) * (right - left);
    xAxis(root, x, frame, top, bottom, left, right);
    agents.forEach((agent, row) => {
      const y = top + 12 + row * 22;
      const colour = AGENT_COLOURS[agent] || "#777";
      svg("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "title", fill: colour, text: agent }, root);
      for (const m of marks.filter((mark) => mark.agent === agent)) {
        if (m.end_h === null) {
          svg("line", { x1: x(m.start_h), x2: x(m.start_h), y1: y - 8, y2: y + 8, stroke: colour, "stroke-width": 2 }, root);
        } else {
          svg("rect", { x: x(m.start_h), y: y - 6, width: Math.max(x(m.end_h) - x(m.start_h), 1.5), height: 12,
                        fill: colour, opacity: 0.6 }, root);
        }
      }
    });
    const holder = el("div", { class: "panel", "data-group": "Interventions" });
    holder.append(root);
    return holder;
  }

  // --- peaks table --------------------------------------------------------------------

  function extremes(item, times) {
    let hi = 0;
    let lo = 0;
    item.values.forEach((v, i) => {
      if (v > item.values[hi]) hi = i;
      if (v < item.values[lo]) lo = i;
    });
    return { start: item.values[0], max: item.values[hi], tmax: times[hi], min: item.values[lo] };
  }

  function renderSummary() {
    const table = $("summary");
    table.replaceChildren();
    const b = state.runB.data;
    const a = state.runA ? state.runA.data : null;
    const inDays = b.time_h[b.time_h.length - 1] > DAYS_AFTER_H;
    const head = ["observable", "unit", "start", "min", "max", "time of max"];
    if (a) head.push("run A max", "change of max");
    table.append(el("tr", {}, head.map((h) => el("th", { text: h }))));
    const aByName = a ? Object.fromEntries(a.observables.map((o) => [o.name, o])) : {};
    for (const item of b.observables) {
      const e = extremes(item, b.time_h);
      const cells = [SHORT[item.name] || item.name, item.unit, fmt(e.start), fmt(e.min), fmt(e.max), fmtTime(e.tmax, inDays)];
      const row = el("tr", {}, cells.map((c) => el("td", { text: c })));
      if (a && aByName[item.name]) {
        const ea = extremes(aByName[item.name], a.time_h);
        const change = ea.max !== 0 ? (e.max - ea.max) / Math.abs(ea.max) : 0;
        row.append(el("td", { text: fmt(ea.max) }));
        row.append(el("td", { text: `${change >= 0 ? "+" : ""}${(change * 100).toFixed(1)}%`,
                              class: change > 0.005 ? "up" : change < -0.005 ? "down" : "" }));
      }
      table.append(row);
    }
  }

  // --- compare, downloads, upload -----------------------------------------------------

  function pin() {
    if (!state.runB) return;
    state.runA = clone(state.runB);
    $("unpin").disabled = false;
    $("axis-a-figure").hidden = false;
    $("axis-pair").classList.add("compare");
    $("axis-b-caption").textContent = "Run B (current)";
    $("pin-note").textContent = `Run A: ${state.runA.data.scenario.name} (${describePatient(state.runA.body.scenario)}). Now change something.`;
    renderPanels();
    renderSummary();
    axisSoon(0);
  }

  function unpin() {
    state.runA = null;
    $("unpin").disabled = true;
    $("axis-a-figure").hidden = true;
    $("axis-pair").classList.remove("compare");
    $("axis-b-caption").textContent = "Current run";
    $("pin-note").textContent = "Pin a run, change a slider, and both runs are drawn.";
    setupTimeSlider();
    renderPanels();
    renderSummary();
  }

  function describePatient(scenario) {
    const entries = Object.entries(scenario.patient || {});
    return entries.length ? entries.map(([k, v]) => `${k} ${fmt(v)}`).join(", ") : "default patient";
  }

  async function download(kind) {
    try {
      const response = await api(`/api/export/${kind}`, { scenario: clone(state.scenario) });
      const blob = await response.blob();
      const match = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
      const link = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : `scenario.${kind}` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) {
      showErrors(error);
    }
  }

  async function upload(file) {
    if (!file) return;
    if (file.size > 60 * 1024) {
      showErrors(new ApiError(413, `${file.name} is ${Math.round(file.size / 1024)} kB; scenario files are a few kB`));
      return;
    }
    try {
      const text = await file.text();
      const data = await (await api("/api/import/toml", { toml: text })).json();
      const select = $("scenario-select");
      select.querySelector("option[data-upload]")?.remove();
      const option = el("option", { value: "", "data-upload": "1", text: `uploaded: ${file.name}` });
      select.prepend(option);
      select.value = "";
      loadScenario(data.scenario);
    } catch (error) {
      showErrors(error);
      setStatus(`${file.name} was not loaded`, "error");
    }
  }

  function loadScenario(scenario) {
    state.scenario = scenario;
    state.axisTouched = false;
    renderControls();
    simulateSoon(0);
  }

  async function loadBuiltin(name) {
    try {
      const data = await getJSON(`/api/scenarios/${encodeURIComponent(name)}`);
      loadScenario(data.scenario);
    } catch (error) {
      showErrors(error);
    }
  }

  async function play() {
    if (state.playing) { state.playing = false; return; }
    state.playing = true;
    $("axis-play").textContent = "❚❚ pause";
    const input = $("axis-time");
    const end = Number(input.max);
    const step = Math.max(end / 120, Number(input.step) || 0.1);
    if (state.axisTime >= end) state.axisTime = 0;
    state.axisTouched = true;
    while (state.playing && state.axisTime < end) {
      state.axisTime = Math.min(state.axisTime + step, end);
      input.value = state.axisTime;
      showAxisTime();
      await updateAxis();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    state.playing = false;
    $("axis-play").textContent = "▶ play";
  }

  // --- start --------------------------------------------------------------------------

  async function init() {
    try {
      const [catalogue, agents, parameters] = await Promise.all([
        getJSON("/api/scenarios"), getJSON("/api/agents"), getJSON("/api/parameters"),
      ]);
      state.catalogue = catalogue;
      state.agents = Object.fromEntries(agents.map((a) => [a.name, a]));
      state.parameters = Object.fromEntries(parameters.parameters.map((p) => [p.name, p]));
      state.patientNames = parameters.patient;
    } catch (error) {
      setStatus("cannot reach the server", "error");
      showErrors(error);
      return;
    }
    const select = $("scenario-select");
    for (const entry of state.catalogue) {
      select.append(el("option", { value: entry.name, text: `${entry.name} – ${entry.title}` }));
    }
    for (const agent of Object.values(state.agents)) {
      $("add-agent").append(el("option", { value: agent.name, text: `${agent.name} (${agent.kind})` }));
    }
    select.addEventListener("change", () => {
      if (select.value) {
        select.querySelector("option[data-upload]")?.remove();
        loadBuiltin(select.value);
      }
    });
    $("scenario-file").addEventListener("change", (event) => upload(event.target.files[0]));
    $("duration").addEventListener("change", (event) => {
      const value = Number(event.target.value);
      if (!Number.isFinite(value)) return;
      state.scenario.duration_h = value;
      renderInterventions();
      simulateSoon(0);
    });
    $("clock-start").addEventListener("change", (event) => {
      const value = Number(event.target.value);
      if (!Number.isFinite(value)) return;
      state.scenario.clock_start_h = value;
      updateSbmlLink();
      simulateSoon(0);
    });
    $("add-intervention").addEventListener("click", addIntervention);
    $("axis-time").addEventListener("input", (event) => {
      state.axisTime = Number(event.target.value);
      state.axisTouched = true;
      showAxisTime();
      axisSoon();
    });
    $("axis-reference").addEventListener("change", (event) => {
      state.reference = event.target.value;
      axisSoon(0);
    });
    $("axis-play").addEventListener("click", play);
    $("pin").addEventListener("click", pin);
    $("unpin").addEventListener("click", unpin);
    $("download-csv").addEventListener("click", () => download("csv"));
    $("download-toml").addEventListener("click", () => download("toml"));
    const first = state.catalogue.some((s) => s.name === "lps_2ngkg") ? "lps_2ngkg" : state.catalogue[0]?.name;
    if (first) {
      select.value = first;
      await loadBuiltin(first);
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
