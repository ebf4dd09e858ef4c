/// The dashboard's one stylesheet and one script, inlined in every page: npsim serves no other assets and works
/// offline. The script keeps the page live: every two seconds it fetches the page again and swaps in the
/// `data-live` sections that changed, and it shows times as "3s ago".
enum DashboardAssets {
    static let style = """
        :root { --fg: #1d2330; --muted: #5c6678; --line: #dde2ea; --bg: #f6f8fb; --card: #fff; --accent: #3554d1;
          --ok: #17804a; --bad: #c2352b; --wait: #a26200; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--fg); background: var(--bg); font-size: 15px; line-height: 1.45; }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1rem; padding: .6rem 1rem; background: #141a2a; }
        header a { color: #dbe3ff; text-decoration: none; } header a:hover { color: #fff; }
        .brand { font-weight: 700; color: #fff; margin-right: .5rem; }
        nav { display: flex; flex-wrap: wrap; gap: .2rem .9rem; flex: 1; }
        .live { font-size: .75rem; padding: .1rem .5rem; border-radius: 1rem; background: #39415a; color: #cfd6e6; }
        .live.on { background: #1f6f45; color: #fff; } .live.off { background: #8a2a22; color: #fff; }
        main { max-width: 1100px; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.35rem; margin: .4rem 0 1rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: .7rem; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .7rem .9rem; }
        .card .number { font-size: 1.6rem; font-weight: 650; } .card .label { color: var(--muted); font-size: .85rem; }
        .scroll { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .45rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
        th { font-size: .8rem; color: var(--muted); font-weight: 600; } tr:last-child td { border-bottom: 0; }
        td.wrap { white-space: normal; word-break: break-word; }
        a { color: var(--accent); }
        p code, td code { word-break: break-all; white-space: normal; }
        code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .82rem; }
        pre { background: #0f1422; color: #e6ebf7; padding: .7rem; border-radius: 6px; overflow-x: auto; max-height: 28rem; margin: .3rem 0; }
        .badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .78rem; font-weight: 600; background: #e8ebf2; }
        .badge.success, .badge.active, .badge.delivered, .badge.completed { background: #dcf3e6; color: var(--ok); }
        .badge.failed, .badge.dead, .badge.failure { background: #fbe1de; color: var(--bad); }
        .badge.pending, .badge.in_progress, .badge.in_flight, .badge.creating, .badge.updating, .badge.deleting, .badge.queued,
        .badge.running, .badge.inProgress, .badge.created { background: #fbefd5; color: var(--wait); }
        .muted { color: var(--muted); } .notice { background: #e3f0ff; padding: .6rem .8rem; border-radius: 6px; }
        .error { background: #fbe1de; color: var(--bad); padding: .6rem .8rem; border-radius: 6px; }
        form.inline { display: inline; } button { font: inherit; padding: .3rem .8rem; border-radius: 6px; border: 1px solid var(--accent);
          background: var(--accent); color: #fff; cursor: pointer; } button.secondary { background: #fff; color: var(--accent); }
        fieldset { border: 1px solid var(--line); border-radius: 8px; background: var(--card); margin: .6rem 0; padding: .6rem .9rem; }
        legend { font-weight: 600; } label { display: block; margin: .35rem 0; } label span { display: block; font-size: .85rem; color: var(--muted); }
        input, select, textarea { font: inherit; padding: .3rem .45rem; border: 1px solid var(--line); border-radius: 5px; width: 100%; max-width: 28rem; }
        input[type=checkbox] { width: auto; }
        details { margin: .3rem 0; } summary { cursor: pointer; }
        @media (max-width: 600px) { main { padding: .6rem; } th, td { padding: .4rem .5rem; } h1 { font-size: 1.15rem; } }
        """

    static let script = """
        (function () {
          var polls = 0;
          function relative() {
            document.querySelectorAll('time[datetime]').forEach(function (t) {
              var at = Date.parse(t.getAttribute('datetime'));
              if (isNaN(at)) return;
              var s = Math.max(0, Math.round((Date.now() - at) / 1000));
              t.textContent = s < 60 ? s + 's ago' : s < 3600 ? Math.round(s / 60) + 'm ago' : s < 86400 ? Math.round(s / 3600) + 'h ago' : Math.round(s / 86400) + 'd ago';
              t.title = t.getAttribute('datetime');
            });
          }
          function refresh() {
            fetch(location.href, { headers: { 'X-NPSim-Live': '1' } }).then(function (response) {
              if (!response.ok) throw new Error('HTTP ' + response.status);
              return response.text();
            }).then(function (html) {
              var fresh = new DOMParser().parseFromString(html, 'text/html');
              document.querySelectorAll('[data-live]').forEach(function (section) {
                var next = fresh.getElementById(section.id);
                if (next && next.innerHTML !== section.innerHTML) section.innerHTML = next.innerHTML;
              });
              polls += 1;
              document.body.setAttribute('data-live-polls', String(polls));
              document.getElementById('live').className = 'live on';
              relative();
            }).catch(function () { document.getElementById('live').className = 'live off'; });
          }
          relative();
          setInterval(refresh, 2000);
        })();
        """
}
