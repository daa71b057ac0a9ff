// shard-server page (docs/ui.md): datasets, sample images and open streams, from the /v1/ui/ JSON.
// Plain browser JS, no build step. The token the page was opened with (/?token=T) stays in this
// closure and goes out only as an Authorization header to this server.
'use strict';
(() => {
  const token = new URLSearchParams(location.search).get('token');
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const POLL_MS = 1000;
  const $ = (id) => document.getElementById(id);
  const int = new Intl.NumberFormat('en-US');

  /** GET a path of this server; a failure throws with the server's message. */
  async function api(path) {
    const res = await fetch(path, { headers, cache: 'no-store' });
    if (!res.ok) {
      let message = `HTTP ${res.status}`;
      try {
        message = (await res.json()).error.message;
      } catch {
        // not a JSON error: keep the status
      }
      throw new Error(`${path.split('?')[0]}: ${message}`);
    }
    return res;
  }

  /** An element with text or child nodes; never innerHTML (names in manifests are data). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  function bytes(n) {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) {
      n /= 1000;
      i++;
    }
    return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`;
  }

  function table(caption, columns, rows, foot) {
    const head = el('tr', {}, ...columns.map(([name, cls]) => el('th', { scope: 'col', class: cls ?? '', text: name })));
    const body = el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((v, i) => el(i === 0 ? 'th' : 'td', { ...(i === 0 ? { scope: 'row' } : {}), class: columns[i][1] ?? '', text: String(v) })))));
    const t = el('table', {}, el('caption', { text: caption }), el('thead', {}, head), body);
    if (foot) t.append(el('tfoot', {}, el('tr', {}, ...foot.map((v, i) => el(i === 0 ? 'th' : 'td', { ...(i === 0 ? { scope: 'row' } : {}), class: columns[i][1] ?? '', text: String(v) })))));
    return el('div', { class: 'scroll' }, t);
  }

  function showError(error) {
    const box = $('error');
    box.textContent = error ? String(error.message ?? error) : '';
    box.hidden = !error;
  }

  // ---- datasets ----
  let datasets = [];

  function renderDataset(ds) {
    const img = ds.image;
    const shape = `${img.height ?? 'any'}×${img.width ?? 'any'}×${img.channels}`;
    const shards = ds.partitions.reduce((n, p) => n + p.shards.length, 0);
    const out = el('article', { 'aria-label': `Dataset ${ds.name}` },
      el('h3', { text: ds.name }),
      el('p', { class: 'summary', text: `${int.format(ds.records)} records in ${shards} shards, ${bytes(ds.bytes)} · images ${shape}, ${img.encoding} · ${ds.created_by}` }),
      table(`Partitions of ${ds.name}`,
        [['Partition'], ['Records', 'num'], ['Shards', 'num'], ['Bytes', 'num']],
        ds.partitions.map((p) => [p.name, int.format(p.records), p.shards.length, bytes(p.bytes)]),
        ['Total', int.format(ds.records), shards, bytes(ds.bytes)]));
    out.append(el('details', {},
      el('summary', { text: `Shards (${shards})` }),
      table(`Shards of ${ds.name}`, [['Shard'], ['Partition'], ['Records', 'num'], ['Bytes', 'num']],
        ds.partitions.flatMap((p) => p.shards.map((s) => [s.name, p.name, int.format(s.records), bytes(s.bytes)])))));
    if (ds.skipped_total === 0) {
      out.append(el('p', { class: 'summary', text: 'The conversion skipped no inputs.' }));
    } else {
      const reasons = ds.skipped_by_reason.map((r) => `${r.count} ${r.reason}`).join(', ');
      const listed = ds.skipped.length < ds.skipped_total ? ` (the first ${ds.skipped.length} listed)` : '';
      out.append(el('details', ds.skipped_total <= 10 ? { open: '' } : {},
        el('summary', { text: `Skipped inputs: ${int.format(ds.skipped_total)} (${reasons})` }),
        table(`Inputs the conversion of ${ds.name} skipped${listed}`, [['Input'], ['Partition'], ['Reason']],
          ds.skipped.map((s) => [s.input, s.partition ?? '–', s.reason]))));
    }
    return out;
  }

  async function loadDatasets() {
    datasets = (await (await api('/v1/ui/datasets')).json()).datasets;
    $('datasets').replaceChildren(...datasets.map(renderDataset));
    $('sample-dataset').replaceChildren(...datasets.map((d) => el('option', { value: d.name, text: d.name })));
    fillPartitions();
  }

  function fillPartitions() {
    const ds = datasets.find((d) => d.name === $('sample-dataset').value);
    const parts = ds ? ds.partitions : [];
    $('sample-partition').replaceChildren(
      el('option', { value: '', text: 'all' }),
      ...parts.map((p) => el('option', { value: p.name, text: `${p.name} (${int.format(p.records)})` })));
  }

  // ---- samples ----
  let draw = 0;
  let objectUrls = [];

  async function drawSamples() {
    const mine = ++draw;
    const dataset = $('sample-dataset').value;
    const partition = $('sample-partition').value;
    const seed = crypto.getRandomValues(new Uint32Array(1))[0];
    const q = new URLSearchParams({ dataset, count: '16', seed: String(seed) });
    if (partition) q.set('partition', partition);
    const sample = await (await api(`/v1/ui/sample?${q}`)).json();
    if (mine !== draw) return;
    for (const u of objectUrls) URL.revokeObjectURL(u);
    objectUrls = [];
    $('sample-note').textContent = `${sample.items.length} of ${int.format(sample.records)} records of ${sample.dataset}${partition ? ` (${partition})` : ''}, seed ${sample.seed}; images decoded by the server from the shards.`;
    const grid = $('samples');
    grid.replaceChildren(...sample.items.map((item) => {
      const img = el('img', { alt: `Record ${item.id} of ${sample.dataset}: ${item.partition}, ${item.shard} #${item.position}`, width: '104', height: '104' });
      img.dataset.id = String(item.id);
      return el('li', {}, el('figure', {}, img, el('figcaption', { text: `#${item.id} · ${item.partition}` })));
    }));
    await Promise.all(sample.items.map(async (item, i) => {
      const blob = await (await api(item.url)).blob();
      if (mine !== draw) return;
      const url = URL.createObjectURL(blob);
      objectUrls.push(url);
      grid.children[i].querySelector('img').src = url;
    }));
  }

  // ---- streams ----
  function renderStreams(snap) {
    const rows = snap.streams.map((s) => {
      const bar = el('progress', { max: String(Math.max(1, s.batches)), value: String(s.batch), 'aria-label': `batch ${s.batch} of ${s.batches}` });
      return el('tr', { 'data-stream': String(s.id) },
        el('th', { scope: 'row', text: s.client }),
        el('td', { text: s.dataset }),
        el('td', { text: s.partitions.join(', ') }),
        el('td', { text: s.format }),
        el('td', { class: 'num', text: int.format(s.epoch) }),
        el('td', { class: 'num', text: `${s.rank} of ${s.world}` }),
        el('td', { class: 'num', text: int.format(s.batch_size) }),
        el('td', { class: 'progress' }, bar, `${int.format(s.batch)}/${int.format(s.batches)}`),
        el('td', { class: 'num', text: int.format(s.images_per_second) }),
        el('td', { class: 'num', text: int.format(s.images_sent) }));
    });
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '10', class: 'empty', text: 'No stream is open.' })));
    document.querySelector('#streams tbody').replaceChildren(...rows);
    const t = snap.totals;
    $('total-rate').textContent = int.format(t.images_per_second);
    $('total-sent').textContent = int.format(t.images_sent);
    const summary = `${t.open} open ${t.open === 1 ? 'stream' : 'streams'}; ${int.format(t.streams_started)} started since the server started.`;
    if ($('streams-summary').textContent !== summary) $('streams-summary').textContent = summary;
  }

  let pollFailed = false;

  async function pollStreams() {
    try {
      renderStreams(await (await api('/v1/ui/streams')).json());
      if (pollFailed) showError(null);
      pollFailed = false;
      $('status').textContent = `Streams refreshed every second; last at ${new Date().toLocaleTimeString('en-GB')}.`;
    } catch (error) {
      pollFailed = true;
      showError(error);
    }
    setTimeout(pollStreams, POLL_MS);
  }

  $('sample-form').addEventListener('submit', (e) => {
    e.preventDefault();
    drawSamples().catch(showError);
  });
  $('sample-dataset').addEventListener('change', () => {
    fillPartitions();
    drawSamples().catch(showError);
  });
  $('sample-partition').addEventListener('change', () => drawSamples().catch(showError));

  loadDatasets()
    .then(() => drawSamples())
    .catch(showError);
  pollStreams();
})();
