// The eventshop local console: plain JavaScript, no dependency, no inline
// script (the page's Content-Security-Policy allows none). Every value from
// the stack is put in the page as text, never as HTML; a mail's HTML is
// shown only in a sandboxed frame.
'use strict';

(() => {
  const $ = (sel, root = document) => root.querySelector(sel);

  // el builds an element: el('td', {class: 'x'}, 'text', child…).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
    return e;
  }

  async function api(path, opts = {}) {
    const init = { ...opts, headers: { ...(opts.headers || {}) } };
    if (init.method && init.method !== 'GET') init.headers['X-Console'] = '1';
    const resp = await fetch(path, init);
    const text = await resp.text();
    let body;
    try { body = JSON.parse(text); } catch { body = { error: text.trim() }; }
    if (!resp.ok) throw new Error(body.error || resp.statusText);
    return body;
  }

  const time = (iso) => { const d = new Date(iso); return isNaN(d) ? '' : d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0'); };
  const ms = (ns) => (ns / 1e6 >= 1000 ? (ns / 1e9).toFixed(2) + ' s' : (ns / 1e6).toFixed(ns < 1e7 ? 1 : 0) + ' ms');
  const age = (ns) => { const s = Math.round(ns / 1e9); return s < 60 ? s + ' s' : s < 3600 ? Math.round(s / 60) + ' min' : (s / 3600).toFixed(1) + ' h'; };
  const short = (id) => (id || '').slice(0, 8);
  const query = (obj) => new URLSearchParams(Object.entries(obj).filter(([, v]) => v !== '' && v !== undefined && v !== null)).toString();

  // ---- routing: #/events, #/event/ID, #/flows/ID, #/mail/ID, #/queues, #/faults

  const views = {};
  let current = null;
  function route() {
    const [, name = 'events', ...rest] = location.hash.split('/');
    const arg = decodeURIComponent(rest.join('/'));
    const view = name === 'event' ? 'events' : name;
    if (!views[view]) { location.hash = '#/events'; return; }
    for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== 'view-' + view;
    for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('active', a.dataset.view === view);
    if (current && current !== views[view] && current.leave) current.leave();
    current = views[view];
    current.enter(arg, name);
  }
  window.addEventListener('hashchange', route);

  // ---- Events: a page of at most 100 rows, the newest page fed live.

  const PAGE = 100;
  const events = {
    filter: {}, cursors: [], before: 0, source: null, newer: 0,
    enter(arg, name) {
      if (!this.loaded) { this.loaded = true; this.load(0); }
      if (name === 'event' && arg) this.open(arg);
    },
    async load(before) {
      this.before = before;
      this.newer = 0;
      $('#event-new').textContent = '';
      let page;
      try { page = await api('/api/events?' + query({ ...this.filter, before })); } catch (e) { $('#event-meta').textContent = e.message; return; }
      const body = $('#event-table tbody');
      body.replaceChildren(...page.events.map((e) => this.row(e)));
      if (!performance.getEntriesByName('events-listed').length) performance.mark('events-listed');
      this.next = page.before;
      $('#event-older').disabled = !page.before;
      $('#event-newest').disabled = before === 0;
      this.kept = page.kept;
      this.meta = before ? ' · an older page' : ' · newest first, live';
      this.count(0);
      this.listen(before === 0 ? page.newest : null, page.newest);
    },
    listen(after, newest) {
      if (this.source) this.source.close();
      this.source = new EventSource('/api/events/live?' + query({ ...this.filter, after: newest }));
      this.source.onopen = () => { const s = $('#status'); s.textContent = 'live'; s.className = 'status live'; };
      this.source.onerror = () => { const s = $('#status'); s.textContent = 'reconnecting…'; s.className = 'status'; };
      this.source.onmessage = (m) => this.arrived(JSON.parse(m.data), after !== null);
    },
    count(more) {
      this.kept += more;
      $('#event-meta').textContent = `${this.kept.toLocaleString()} events kept${this.meta}`;
    },
    arrived(batch, onTop) {
      if (!Object.values(this.filter).some(Boolean)) this.count(batch.events.length + batch.skipped);
      if (!onTop) {
        this.newer += batch.events.length + batch.skipped;
        $('#event-new').textContent = `${this.newer.toLocaleString()} newer events`;
        return;
      }
      const body = $('#event-table tbody');
      const rows = batch.events.map((e) => this.row(e, true)).reverse();
      body.prepend(...rows);
      while (body.rows.length > PAGE) body.deleteRow(-1);
      if (body.rows.length === PAGE) $('#event-older').disabled = false;
      if (batch.skipped) $('#event-new').textContent = `${batch.skipped.toLocaleString()} more arrived too fast to list: they are on the older pages`;
      this.next = this.next || (body.rows.length ? Number(body.rows[body.rows.length - 1].dataset.seq) : 0);
    },
    row(e, fresh) {
      return el('tr', { class: fresh ? 'fresh' : null, dataset: { seq: e.seq, type: e.type, id: e.id, correlationId: e.correlationId }, on: { click: () => this.open(e.id) } },
        el('td', { class: 'mono' }, time(e.time)), el('td', {}, e.type, e.replay ? ' (replay)' : ''), el('td', {}, e.source),
        el('td', { class: 'mono', title: e.correlationId }, short(e.correlationId)));
    },
    async open(id) {
      for (const r of document.querySelectorAll('#event-table tr.selected')) r.classList.remove('selected');
      const row = document.querySelector(`#event-table tr[data-id="${CSS.escape(id)}"]`);
      if (row) row.classList.add('selected');
      const box = $('#envelope');
      try {
        const e = await api('/api/events/' + encodeURIComponent(id));
        box.replaceChildren(
          el('p', {}, el('strong', {}, e.type), ` v${e.version} from ${e.source}`),
          el('p', {}, el('a', { href: '#/flows/' + encodeURIComponent(e.correlationId), class: 'open-flow' }, 'Open its flow'), ` · seen ${time(e.seen)}`),
          el('pre', { class: 'envelope' }, JSON.stringify(e.envelope, null, 2)));
      } catch (err) { box.replaceChildren(el('p', { class: 'bad' }, err.message)); }
    },
  };
  $('#event-filter').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    events.filter = { type: f.get('type').trim(), source: f.get('source').trim(), correlationId: f.get('correlationId').trim() };
    events.load(0);
  });
  $('#event-clear').addEventListener('click', () => { $('#event-filter').reset(); events.filter = {}; events.load(0); });
  $('#event-older').addEventListener('click', () => { if (events.next) events.load(events.next); });
  $('#event-newest').addEventListener('click', () => events.load(0));
  views.events = events;

  // ---- Flows: a correlation id's causal tree, each hop timed.

  views.flows = {
    enter(id) {
      if (!id) return;
      $('#flow-form').elements.id.value = id;
      this.show(id);
    },
    async show(id) {
      const box = $('#flow');
      box.replaceChildren(el('p', { class: 'hint' }, 'Loading…'));
      let f;
      try { f = await api('/api/flows/' + encodeURIComponent(id)); } catch (e) { box.replaceChildren(el('p', { class: 'bad' }, e.message)); return; }
      if (!f.events) {
        box.replaceChildren(el('p', { class: 'bad' }, `No events in flow ${id}. A flow is named by the X-Correlation-Id an API call answers with; each event holds it as metadata.correlationId.`));
        return;
      }
      const span = Math.max(f.spanNs, 1);
      const mailsBy = {};
      for (const m of f.mail) (mailsBy[m.eventId] ||= []).push(m);
      const node = (n, parentAt) => {
        const hop = parentAt ? new Date(n.at) - new Date(parentAt) : null;
        return el('li', {},
          el('a', { class: 'node', href: '#/event/' + encodeURIComponent(n.eventId), dataset: { type: n.eventType, id: n.eventId } },
            el('span', { class: 'type' }, n.eventType), el('span', { class: 'mono' }, `${n.stream} v${n.version}`),
            el('span', { class: 'hop', title: 'since the event that caused it' }, hop === null ? '+0 ms' : `+${hop} ms`),
            el('span', { class: 'timeline', title: `${ms(n.offsetNs)} into the flow` }, el('span', { style: null, dataset: { at: n.offsetNs / span } }))),
          (mailsBy[n.eventId] || []).map((m) => el('div', { class: 'effect' }, '✉ ', el('a', { href: '#/mail/' + encodeURIComponent(m.id), class: 'mail-link' }, `${m.subject} → ${m.to.join(', ')}`))),
          n.caused && n.caused.length ? el('ul', {}, n.caused.map((c) => node(c, n.at))) : null);
      };
      box.replaceChildren(
        el('h2', {}, `Flow ${f.correlationId}`),
        el('p', { class: 'meta' }, `${f.events} events over ${ms(f.spanNs)}; each hop is timed from the event that caused it`),
        ...f.causes.flatMap((c) => [el('div', { class: 'cause' }, `caused by ${c.causationId} — a request or a tool, outside the flow`),
          el('ul', { class: 'tree' }, c.caused.map((n) => node(n, null)))]));
      // Positions are set from script, not inline style: the policy allows no inline style.
      for (const dot of box.querySelectorAll('.timeline span')) dot.style.left = `calc(${Number(dot.dataset.at) * 100}% - ${Number(dot.dataset.at) * 6}px)`;
    },
  };
  $('#flow-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = ev.target.elements.id.value.trim();
    if (id) location.hash = '#/flows/' + encodeURIComponent(id);
  });

  // ---- Mailbox: searchable, each mail's HTML in a sandboxed frame.

  views.mail = {
    enter(id) {
      this.list();
      if (id) this.open(id);
    },
    async list() {
      const q = $('#mail-form').elements.q.value.trim();
      let r;
      try { r = await api('/api/mail?' + query({ q })); } catch (e) { $('#mail-meta').textContent = e.message; return; }
      $('#mail-meta').textContent = `${r.total} mails` + (r.total > r.mail.length ? `, the newest ${r.mail.length} listed` : '');
      $('#mail-list').replaceChildren(...r.mail.map((m) => el('li', { dataset: { id: m.id }, on: { click: () => { location.hash = '#/mail/' + encodeURIComponent(m.id); } } },
        el('div', { class: 'subject' }, m.subject), el('div', { class: 'meta' }, `to ${m.to.join(', ')} · ${time(m.sentAt)}`))));
    },
    async open(id) {
      const box = $('#mail-view');
      for (const li of document.querySelectorAll('#mail-list li')) li.classList.toggle('selected', li.dataset.id === id);
      let m;
      try { m = await api('/api/mail/' + encodeURIComponent(id)); } catch (e) { box.replaceChildren(el('p', { class: 'bad' }, e.message)); return; }
      const cause = m.eventId
        ? el('p', {}, 'Sent for ', el('a', { href: '#/event/' + encodeURIComponent(m.eventId), class: 'cause-event' }, m.eventType || 'event ' + short(m.eventId)),
          m.correlationId ? [' · ', el('a', { href: '#/flows/' + encodeURIComponent(m.correlationId) }, 'its flow')] : null)
        : el('p', { class: 'meta' }, 'The event it was sent for is not known (sent before the console started, or not through the fault proxy).');
      box.replaceChildren(
        el('h2', { class: 'subject' }, m.subject),
        el('p', { class: 'meta' }, `from ${m.from} to ${m.to.join(', ')} · ${new Date(m.sentAt).toLocaleString()}` + (m.template ? ` · template ${m.template}` : '')),
        cause,
        el('div', { class: 'mail-parts' },
          el('iframe', { class: 'mail', id: 'mail-html', sandbox: '', referrerpolicy: 'no-referrer', title: 'the mail\'s HTML part', src: '/mail/' + encodeURIComponent(m.id) }),
          el('pre', { class: 'detail', id: 'mail-text' }, m.text || '(no text part)')));
    },
  };
  $('#mail-form').addEventListener('submit', (ev) => { ev.preventDefault(); views.mail.list(); });

  // ---- Queues: each consumer's queue and dead letters, with redrive.

  views.queues = {
    enter() { this.refresh(); clearInterval(this.timer); this.timer = setInterval(() => this.refresh(), 3000); },
    leave() { clearInterval(this.timer); },
    async refresh() {
      let qs;
      try { qs = await api('/api/queues'); } catch (e) { $('#redrive-result').textContent = e.message; return; }
      $('#queue-table tbody').replaceChildren(...qs.map((q) => el('tr', { dataset: { queue: q.name } },
        el('td', {}, el('strong', {}, q.name)), el('td', {}, q.kind),
        el('td', { class: 'source-depth' }, q.sourceDepth < 0 ? '—' : String(q.sourceDepth)),
        el('td', { class: 'depth' + (q.depth ? ' bad' : ' zero') }, String(q.depth)),
        el('td', {}, q.depth ? age(q.oldestNs) : '—'),
        el('td', { class: 'reasons' }, Object.entries(q.reasons).map(([why, n]) => el('div', {}, el('span', { class: 'pill' }, n), why)), q.error ? el('div', { class: 'bad' }, q.error) : null),
        el('td', {}, el('button', { class: 'redrive', type: 'button', dataset: { queue: q.name }, disabled: !q.redrivable || !q.depth,
          title: q.redrivable ? 'move the dead letters back, as evctl dlq redrive does' : 'these are descriptions of stream batches, not events: nothing to move back',
          on: { click: () => this.redrive(q.name) } }, 'Redrive')))));
      const letters = qs.filter((q) => q.entries.length);
      $('#dead-letters').replaceChildren(...letters.map((q) => el('div', {}, el('h3', {}, `${q.name}: ${q.depth} dead-lettered`),
        el('table', { class: 'list' }, el('thead', {}, el('tr', {}, ['Message', 'Event type', 'Event', 'Age', 'Receives', 'Reason'].map((h) => el('th', {}, h)))),
          el('tbody', {}, q.entries.map((e) => el('tr', { on: { click: () => { if (e.eventId) location.hash = '#/event/' + encodeURIComponent(e.eventId); } } },
            el('td', { class: 'mono' }, short(e.messageId)), el('td', {}, e.eventType), el('td', { class: 'mono' }, short(e.eventId)),
            el('td', {}, age(e.ageNs)), el('td', {}, e.receives), el('td', { title: e.reason }, e.reason))))))));
    },
    async redrive(name) {
      const out = $('#redrive-result');
      out.textContent = `redriving ${name}…`;
      out.className = 'result';
      try {
        const r = await api('/api/queues/' + encodeURIComponent(name) + '/redrive', { method: 'POST' });
        out.textContent = `${r.name}: moved ${r.moved} message${r.moved === 1 ? '' : 's'} back to ${r.where}` + (r.error ? ` — ${r.error}` : '');
        out.className = 'result ' + (r.error ? 'bad' : 'good');
      } catch (e) { out.textContent = e.message; out.className = 'result bad'; }
      this.refresh();
    },
  };

  // ---- Faults: the fault proxy's rules, read and changed through the console.

  views.faults = {
    async enter() {
      try {
        const r = await api('/api/faults');
        this.show(r);
        $('#fault-form').elements.rules.value = JSON.stringify(r.rules, null, 2);
      } catch (e) { $('#fault-result').textContent = e.message; }
    },
    show(r) {
      const s = r.stats;
      $('#fault-stats').textContent = `${s.calls} calls to SES through the proxy: ${s.injected} failed by it, ${s.lost} answers lost, ${s.published} bounces and complaints published`;
    },
    async put(rules) {
      const out = $('#fault-result');
      try {
        const r = await api('/api/faults', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(rules) });
        this.show(r);
        $('#fault-form').elements.rules.value = JSON.stringify(r.rules, null, 2);
        out.textContent = 'rules applied'; out.className = 'result good';
      } catch (e) { out.textContent = e.message; out.className = 'result bad'; }
    },
  };
  $('#fault-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    let rules;
    try { rules = JSON.parse(ev.target.elements.rules.value || '{}'); } catch (e) { $('#fault-result').textContent = 'not JSON: ' + e.message; $('#fault-result').className = 'result bad'; return; }
    views.faults.put(rules);
  });
  $('#fault-quick').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.target.elements;
    let rules = {};
    try { rules = JSON.parse($('#fault-form').elements.rules.value || '{}'); } catch { /* start afresh */ }
    rules.failFor = [...new Set([...(rules.failFor || []), f.address.value.trim()])].filter(Boolean);
    rules.error = f.error.value;
    views.faults.put(rules);
  });
  $('#fault-clear').addEventListener('click', () => views.faults.put({ failRate: 0 }));

  // The live feed runs whichever view is shown: the status says so, and a
  // mail links to the event it was sent for.
  events.loaded = true;
  events.load(0);
  route();
})();
