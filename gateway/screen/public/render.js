// Small DOM helpers for the ward screen (no framework, no build step).
import { age } from './format.js';

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** A span whose text is kept current by tickTimes(): "<prefix><age><suffix>" since `at`, or a countdown to `until`. */
export function since(at, prefix = '', suffix = '') {
  return el('span', { 'data-since': at, 'data-prefix': prefix, 'data-suffix': suffix }, `${prefix}${age(Date.now() - at)}${suffix}`);
}
export function countdown(until, prefix = '') {
  return el('span', { 'data-until': until, 'data-prefix': prefix }, `${prefix}${age(until - Date.now())}`);
}

export function tickTimes(root, now) {
  for (const e of root.querySelectorAll('[data-since]')) e.textContent = `${e.dataset.prefix}${age(now - Number(e.dataset.since))}${e.dataset.suffix}`;
  for (const e of root.querySelectorAll('[data-until]')) e.textContent = `${e.dataset.prefix}${age(Number(e.dataset.until) - now)}`;
}

/**
 * Keeps `container`'s children in step with `items`: a child is kept while its key and signature are unchanged
 * (so a button under a finger is not swapped away by an unrelated update), rebuilt when the signature changes.
 */
export function keyed(container, items, key, sig, build) {
  const old = new Map([...container.children].map((c) => [c.dataset.key, c]));
  const next = items.map((item) => {
    const k = String(key(item));
    const s = sig(item);
    const have = old.get(k);
    if (have && have.dataset.sig === s) return have;
    const node = build(item, have);
    node.dataset.key = k;
    node.dataset.sig = s;
    return node;
  });
  next.forEach((node, i) => {
    if (container.children[i] !== node) container.insertBefore(node, container.children[i] ?? null);
  });
  while (container.children.length > next.length) container.lastElementChild.remove();
}

/** A value the gateway does not score (demo, test, calibrating, invalid, questionable): the reason, shown under it. */
export function unscoredNote(vital) {
  return vital?.unscored ? el('div', { class: 'unscored', title: 'not scored, never alarms' }, `not scored: ${vital.unscored}`) : null;
}

/** Beside the current NEWS2: the peak of a standing NEWS2 alarm when it differs (e.g. latched at 7, now 0). */
export function news2Peak(alarm, total) {
  if (!alarm || alarm.worstValue === undefined || alarm.worstValue === total) return null;
  return el('span', { class: `news2-peak p-${alarm.priority}` }, ` · peak ${alarm.worstValue}${alarm.latched ? ' (latched)' : ''}`);
}
