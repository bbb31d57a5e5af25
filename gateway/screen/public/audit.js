// The audit trail as a table a ward manager reads: time, staff, action and detail in words, filtered by bed and
// time, exported as CSV by the gateway (same filter).
import { dateTime, timeZoneName, zonedEpoch } from './format.js';
import { $, el } from './render.js';

let app = null;

export function initAudit(a) {
  app = a;
  $('audit-open').addEventListener('click', openAudit);
  $('audit-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    loadAudit();
  });
}

function query() {
  const q = new URLSearchParams({ limit: '200' });
  const bed = $('audit-bed').value;
  if (bed) q.set('bed', bed);
  // From and To are wall times in the screen's time zone (screen.timeZone), as the table shows them; To includes
  // its whole minute.
  const from = zonedEpoch($('audit-from').value);
  const to = zonedEpoch($('audit-to').value);
  if (Number.isFinite(from)) q.set('since', String(from));
  if (Number.isFinite(to)) q.set('until', String(to + 59_999));
  return q;
}

async function openAudit() {
  const { state } = app.ctx();
  $('audit-zone').textContent = `Times in ${timeZoneName().replace(/_/g, ' ')}`;
  const sel = $('audit-bed');
  const current = sel.value;
  sel.replaceChildren(el('option', { value: '' }, 'All beds'), ...state.beds.map((b) => el('option', { value: b.id, selected: b.id === current }, b.label)));
  if (await loadAudit()) $('audit-dialog').showModal();
}

async function loadAudit() {
  const q = query();
  $('audit-csv').setAttribute('href', `/api/audit.csv?${q}`);
  try {
    const { rows } = await app.api(`/api/audit?${q}`);
    $('audit-table').tBodies[0].replaceChildren(...(rows.length ? rows.map((r) => el('tr', {},
      el('td', { class: 'time' }, dateTime(r.at)), el('td', {}, r.actor), el('td', {}, r.actionText), el('td', {}, r.bed ? app.bedLabel(r.bed) : ''),
      el('td', {}, r.detailText))) : [el('tr', {}, el('td', { colspan: 5 }, 'Nothing recorded for this filter'))]));
    return true;
  } catch (err) {
    app.toast(`Audit not available: ${err.message}`, true);
    return false;
  }
}
