// chapbook serve: keeps the preview in step with the builds without reloading the page. The server says
// by server-sent events when a build starts and ends; after one ends the page fetches /panels and puts
// in place the regions (data-region) that changed, and of the spreads only those whose pages changed.
"use strict";

const reader = { name: null, key: null, width: "narrow", scheme: "light" };

// What a reading app adds to a book's own CSS: margins round the text, and its colours at night.
const READING_SYSTEM_CSS = {
  light: "html { padding: 1.2em 1.4em; }",
  dark: "html { padding: 1.2em 1.4em; color-scheme: dark; background: #161513 !important; }" +
        " body { background: transparent !important; color: #e4ded2 !important; }",
};

function version() {
  return Number(document.body.dataset.version);
}

function showTab() {
  const tab = (location.hash || "#print").slice(1).split("-")[0];
  const known = document.querySelector(`[data-view="${tab}"]`) ? tab : "print";
  for (const view of document.querySelectorAll("[data-view]")) view.hidden = view.dataset.view !== known;
  for (const link of document.querySelectorAll("#tabs [data-tab]")) {
    link.setAttribute("aria-selected", String(link.dataset.tab === known));
  }
  for (const part of document.querySelectorAll(".sidebar [data-for]")) {
    part.hidden = !part.dataset.for.split(" ").includes(known);
  }
  if (known === "epub" && !reader.name) openFirstDocument();
  if (known === "report") document.getElementById("report").src = `/report?v=${version()}`;
}

function openFirstDocument() {
  const first = document.querySelector("#epub-contents [data-first]") || document.querySelector("#epub-contents [data-name]");
  if (first) openDocument(first.dataset.name, first.dataset.key);
}

function openDocument(name, key) {
  const frame = document.getElementById("reader");
  if (reader.name === name && frame.contentWindow && frame.contentDocument && frame.contentDocument.body) {
    // The same chapter again after a build: come back to where it was being read.
    const scroller = frame.contentDocument.scrollingElement;
    reader.scroll = scroller ? scroller.scrollTop : 0;
  } else {
    reader.scroll = 0;
  }
  reader.name = name;
  reader.key = key;
  frame.src = `/epub/${key}/${name}`;
  markCurrentDocument();
  const link = document.querySelector(`#epub-contents [data-name="${CSS.escape(name)}"]`);
  document.getElementById("epub-title").textContent = link ? link.textContent : name;
}

function markCurrentDocument() {
  for (const link of document.querySelectorAll("#epub-contents [data-name]")) {
    link.classList.toggle("current", link.dataset.name === reader.name);
  }
}

function dressReader() {
  const frame = document.getElementById("reader");
  const page = frame.contentDocument;
  if (!page || !page.documentElement) return;
  let style = page.getElementById("chapbook-reading-system");
  if (!style) {
    style = page.createElementNS("http://www.w3.org/1999/xhtml", "style");
    style.id = "chapbook-reading-system";
    (page.head || page.documentElement).appendChild(style);
  }
  style.textContent = READING_SYSTEM_CSS[reader.scheme];
  if (reader.scroll && page.scrollingElement) page.scrollingElement.scrollTop = reader.scroll;
}

function setReader(setting, value) {
  reader[setting] = value;
  const device = document.querySelector(".device");
  device.className = `device ${reader.width} ${reader.scheme}`;
  for (const button of document.querySelectorAll(`[data-${setting}]`)) {
    button.setAttribute("aria-pressed", String(button.dataset[setting] === value));
  }
  dressReader();
}

// Keep the spreads whose pages did not change (their images stay as they are); put in the others.
function mergeSpreads(old, fresh) {
  const kept = new Map([...old.querySelectorAll(":scope > .spread")].map((spread) => [spread.id, spread]));
  const children = [];
  for (const spread of fresh.children) {
    const before = kept.get(spread.id);
    if (before && before.dataset.key === spread.dataset.key) {
      children.push(before);
    } else {
      const incoming = document.importNode(spread, true);
      if (before) {
        incoming.classList.add("changed");
        incoming.addEventListener("animationend", () => incoming.classList.remove("changed"), { once: true });
      }
      children.push(incoming);
    }
  }
  old.className = fresh.className;
  old.replaceChildren(...children);
}

async function refresh() {
  const response = await fetch("/panels", { cache: "no-store" });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const region of fresh.querySelectorAll("[data-region]")) {
    const old = document.getElementById(region.id);
    if (!old) continue;
    if (region.id === "spreads") mergeSpreads(old, region);
    else if (old.outerHTML !== region.outerHTML) old.replaceWith(document.importNode(region, true));
  }
  document.body.dataset.version = fresh.querySelector("[data-version]").dataset.version;
  document.title = `${document.getElementById("book-title").textContent} · chapbook preview`;
  showTab();
  const current = reader.name && document.querySelector(`#epub-contents [data-name="${CSS.escape(reader.name)}"]`);
  markCurrentDocument();
  if (current && current.dataset.key !== reader.key) openDocument(reader.name, current.dataset.key);
  else if (reader.name && !current) { reader.name = null; openFirstDocument(); }
}

function listen() {
  const events = new EventSource("/events");
  let fetching = Promise.resolve();
  events.addEventListener("state", (event) => {
    const state = JSON.parse(event.data);
    document.body.classList.toggle("building", state.building);
    if (state.version !== version()) fetching = fetching.then(refresh).catch(() => {});
  });
  events.addEventListener("error", () => document.body.classList.add("offline"));
  events.addEventListener("open", () => document.body.classList.remove("offline"));
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-page], a[data-name], [data-width], [data-scheme]");
  if (!link) return;
  if (link.dataset.page !== undefined) {
    event.preventDefault();
    document.getElementById(`page-${link.dataset.page}`)?.scrollIntoView({ block: "center" });
  } else if (link.dataset.name !== undefined) {
    openDocument(link.dataset.name, link.dataset.key);
  } else if (link.dataset.width) {
    setReader("width", link.dataset.width);
  } else {
    setReader("scheme", link.dataset.scheme);
  }
});

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("reader").addEventListener("load", dressReader);
  const zoom = document.getElementById("zoom");
  const sized = () => document.documentElement.style.setProperty("--page-height", `${zoom.value}px`);
  zoom.addEventListener("change", sized);
  sized();
  window.addEventListener("hashchange", showTab);
  showTab();
  listen();
});
