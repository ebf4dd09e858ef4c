/// The dashboard's Mustache templates, compiled into the binary so that npsim stays one file. Every page extends
/// `layout`; the sections marked `data-live` are refreshed in place while the page is open.
enum DashboardTemplates {
    static let all: [String: String] = [
        "layout": layout, "overview": overview, "specifications": specifications, "services": services, "service": service, "action": action,
        "notifications": notifications, "notification": notification, "channels": channels, "runs": runs, "run": run,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · npsim</title>
        <style>{{{style}}}</style>
        </head>
        <body>
        <header>
        <a class="brand" href="/">npsim</a>
        <nav>
        <a href="/">Overview</a><a href="/ui/specifications">Specifications</a><a href="/ui/services">Services</a>
        <a href="/ui/notifications">Notifications</a><a href="/ui/channels">Channels</a><a href="/ui/runs">Provider runs</a>
        </nav>
        <span id="live" class="live" title="refreshed every 2 s">live</span>
        </header>
        <main>
        {{#notice}}<p class="notice">{{notice}}</p>{{/notice}}
        {{#error}}<p class="error">{{error}}</p>{{/error}}
        {{$content}}{{/content}}
        </main>
        <script>{{{script}}}</script>
        </body>
        </html>
        """

    static let overview = """
        {{<layout}}{{$content}}
        <h1>Overview</h1>
        <section id="counts" data-live>
        <div class="cards">
        {{#counts}}<a class="card" href="{{link}}" style="text-decoration:none;color:inherit"><div class="number">{{value}}</div><div class="label">{{label}}</div></a>{{/counts}}
        </div>
        </section>
        <h2>Latest notifications</h2>
        <section id="latest-notifications" data-live>
        <div class="scroll"><table>
        <tr><th>Notification</th><th>Action</th><th>Service</th><th>Status</th><th>Created</th></tr>
        {{#notifications}}<tr><td><a href="/ui/notifications/{{id}}"><code>{{short}}</code></a></td><td>{{action}}</td><td>{{service}}</td>
        <td><span class="badge {{status}}">{{status}}</span></td><td><time datetime="{{created_at}}">{{created_at}}</time></td></tr>{{/notifications}}
        {{^notifications}}<tr><td colspan="5" class="muted">No notifications yet: run an action on a service.</td></tr>{{/notifications}}
        </table></div>
        </section>
        <h2>Latest deliveries</h2>
        <section id="latest-deliveries" data-live>
        <div class="scroll"><table>
        <tr><th>Delivery</th><th>Channel</th><th>Status</th><th>Attempts</th><th>Last outcome</th><th>Updated</th></tr>
        {{#deliveries}}<tr><td><a href="/ui/notifications/{{notification_id}}#delivery-{{id}}">{{id}}</a></td><td>{{channel_type}} {{channel_id}}</td>
        <td><span class="badge {{status}}">{{status}}</span></td><td>{{attempts}}</td><td class="wrap">{{last}}</td>
        <td><time datetime="{{updated_at}}">{{updated_at}}</time></td></tr>{{/deliveries}}
        {{^deliveries}}<tr><td colspan="6" class="muted">No deliveries yet: register a channel.</td></tr>{{/deliveries}}
        </table></div>
        </section>
        {{/content}}{{/layout}}
        """

    static let specifications = """
        {{<layout}}{{$content}}
        <h1>Specifications</h1>
        {{#specifications}}
        <fieldset>
        <legend>{{name}} <span class="muted">({{kind}}, {{slug}})</span></legend>
        <div class="muted"><code>{{id}}</code></div>
        <div class="scroll"><table>
        <tr><th>Action</th><th>Slug</th><th>Type</th><th>Parameters</th></tr>
        {{#actions}}<tr><td>{{name}}</td><td><code>{{slug}}</code></td><td>{{type}}</td><td class="wrap"><code>{{parameters}}</code></td></tr>{{/actions}}
        {{^actions}}<tr><td colspan="4" class="muted">No action specifications.</td></tr>{{/actions}}
        </table></div>
        </fieldset>
        {{/specifications}}
        {{^specifications}}<p class="muted">No specifications: start npsim with --seed fixtures, or npsim apply a file.</p>{{/specifications}}
        {{/content}}{{/layout}}
        """

    static let services = """
        {{<layout}}{{$content}}
        <h1>Services</h1>
        <section id="services" data-live>
        <div class="scroll"><table>
        <tr><th>Name</th><th>Status</th><th>Specification</th><th>Entity</th><th>Updated</th></tr>
        {{#services}}<tr><td><a href="/ui/services/{{id}}">{{name}}</a></td><td><span class="badge {{status}}">{{status}}</span></td>
        <td>{{specification}}</td><td><code>{{entity_nrn}}</code></td><td><time datetime="{{updated_at}}">{{updated_at}}</time></td></tr>{{/services}}
        {{^services}}<tr><td colspan="5" class="muted">No services yet: POST /service, or npsim service create.</td></tr>{{/services}}
        </table></div>
        </section>
        {{/content}}{{/layout}}
        """

    static let service = """
        {{<layout}}{{$content}}
        <h1>{{name}}</h1>
        <section id="service" data-live>
        <p><span class="badge {{status}}">{{status}}</span> <span class="muted">{{specification}} · <code>{{id}}</code> · <code>{{entity_nrn}}</code></span></p>
        <h2>Attributes</h2>
        <pre>{{attributes}}</pre>
        <h2>Actions</h2>
        {{#actions}}
        <details id="action-{{id}}" {{#open}}open{{/open}}>
        <summary><span class="badge {{status}}">{{status}}</span> {{name}} <span class="muted">({{type}}) <time datetime="{{created_at}}">{{created_at}}</time></span></summary>
        <div class="scroll"><table>
        {{#messages}}<tr><td><span class="badge">{{level}}</span></td><td class="wrap">{{message}}</td></tr>{{/messages}}
        {{^messages}}<tr><td class="muted">No messages.</td></tr>{{/messages}}
        </table></div>
        <div class="muted">parameters</div><pre>{{parameters}}</pre>
        <div class="muted">results</div><pre>{{results}}</pre>
        <p><a href="/ui/actions/{{id}}">Its timeline</a> · <a href="/ui/notifications?action_id={{id}}">Its notifications</a></p>
        </details>
        {{/actions}}
        {{^actions}}<p class="muted">No actions yet.</p>{{/actions}}
        {{#hasLinks}}<h2>Links</h2>{{/hasLinks}}
        {{#links}}<p><span class="badge {{status}}">{{status}}</span> {{name}} <code>{{id}}</code></p>{{/links}}
        </section>
        <h2>Run an action</h2>
        {{#forms}}
        <form method="post" action="/ui/services/{{service_id}}/actions">
        <fieldset>
        <legend>{{name}} <span class="muted">({{type}})</span></legend>
        <input type="hidden" name="specification_id" value="{{id}}">
        {{#fields}}
        <label><span>{{name}}{{#required}} *{{/required}} <em>{{type}}</em></span>
        {{#hasOptions}}<select name="{{name}}" {{#required}}required{{/required}}>{{^required}}<option value=""></option>{{/required}}{{#options}}<option>{{.}}</option>{{/options}}</select>{{/hasOptions}}
        {{^hasOptions}}{{#boolean}}<input type="checkbox" name="{{name}}" value="true">{{/boolean}}{{^boolean}}{{#json}}<textarea name="{{name}}" rows="3" placeholder="JSON"></textarea>{{/json}}{{^json}}<input type="{{input}}" name="{{name}}" {{#required}}required{{/required}} {{#step}}step="{{step}}"{{/step}}>{{/json}}{{/boolean}}{{/hasOptions}}
        </label>
        {{/fields}}
        <button type="submit">Run {{name}}</button>
        </fieldset>
        </form>
        {{/forms}}
        {{^forms}}<p class="muted">The specification has no actions.</p>{{/forms}}
        {{/content}}{{/layout}}
        """

    static let action = """
        {{<layout}}{{$content}}
        <h1>{{name}}</h1>
        <section id="timeline" data-live>
        <p><span class="badge {{status}}">{{status}}</span> <span class="muted"><code>{{id}}</code> · <a href="{{parent_link}}">its {{parent_kind}}</a></span></p>
        <div class="scroll"><table>
        <tr><th>At</th><th>Event</th><th>What</th></tr>
        {{#events}}<tr><td><time datetime="{{at}}">{{at}}</time></td><td><span class="badge {{badge}}">{{event}}</span></td><td class="wrap">{{what}}</td></tr>{{/events}}
        </table></div>
        </section>
        {{/content}}{{/layout}}
        """

    static let notifications = """
        {{<layout}}{{$content}}
        <h1>Notifications</h1>
        <section id="notifications" data-live>
        <div class="scroll"><table>
        <tr><th>Notification</th><th>Action</th><th>Service</th><th>Status</th><th>Channels</th><th>Created</th></tr>
        {{#notifications}}<tr><td><a href="/ui/notifications/{{id}}"><code>{{short}}</code></a></td><td>{{action}}</td><td>{{service}}</td>
        <td><span class="badge {{status}}">{{status}}</span></td><td>{{channels}}</td><td><time datetime="{{created_at}}">{{created_at}}</time></td></tr>{{/notifications}}
        {{^notifications}}<tr><td colspan="6" class="muted">No notifications.</td></tr>{{/notifications}}
        </table></div>
        </section>
        {{/content}}{{/layout}}
        """

    static let notification = """
        {{<layout}}{{$content}}
        <h1>Notification <code>{{id}}</code></h1>
        <p><form class="inline" method="post" action="/ui/notifications/{{id}}/resend"><button type="submit">Resend to every matching channel</button></form></p>
        <section id="deliveries" data-live>
        <p><span class="badge {{status}}">{{status}}</span> <span class="muted">{{action}} · <time datetime="{{created_at}}">{{created_at}}</time></span></p>
        <h2>Deliveries</h2>
        {{#deliveries}}
        <fieldset id="delivery-{{id}}">
        <legend>Delivery {{id}} to {{channel_type}} channel {{channel_id}} <span class="badge {{status}}">{{status}}</span></legend>
        {{#retryable}}<form class="inline" method="post" action="/ui/deliveries/{{id}}/retry"><button class="secondary" type="submit">Retry delivery {{id}}</button></form>{{/retryable}}
        {{#result}}<div class="muted">result</div><pre>{{result}}</pre>{{/result}}
        {{#attempts}}
        <details {{#last}}open{{/last}}>
        <summary>Attempt {{number}}: <span class="badge {{outcome}}">{{outcome}}</span> {{#status_code}}HTTP {{status_code}}{{/status_code}} <span class="muted">{{duration_ms}} ms · <time datetime="{{started_at}}">{{started_at}}</time></span>{{#fault}} <span class="badge fault">fault</span>{{/fault}}</summary>
        {{#fault}}<p class="notice">{{fault}}</p>{{/fault}}
        {{#error}}<p class="error">{{error}}</p>{{/error}}
        <div class="muted">request</div><pre>{{request}}</pre>
        <div class="muted">request body</div><pre>{{request_body}}</pre>
        {{#response}}<div class="muted">response</div><pre>{{response}}</pre>{{/response}}
        </details>
        {{/attempts}}
        {{^attempts}}<p class="muted">No attempt yet.</p>{{/attempts}}
        </fieldset>
        {{/deliveries}}
        {{^deliveries}}<p class="muted">No channel took this notification. Routing: </p><pre>{{routing}}</pre>{{/deliveries}}
        </section>
        <h2>Payload</h2>
        <pre>{{payload}}</pre>
        {{/content}}{{/layout}}
        """

    static let channels = """
        {{<layout}}{{$content}}
        <h1>Channels</h1>
        <div class="scroll"><table>
        <tr><th>Id</th><th>Type</th><th>Status</th><th>NRN</th><th>Configuration (secrets masked)</th><th>Filters</th></tr>
        {{#channels}}<tr><td>{{id}}</td><td>{{type}}</td><td><span class="badge {{status}}">{{status}}</span></td><td><code>{{nrn}}</code></td>
        <td class="wrap"><code>{{configuration}}</code></td><td class="wrap"><code>{{filters}}</code></td></tr>{{/channels}}
        {{^channels}}<tr><td colspan="6" class="muted">No channels: POST /notification/channel, or npsim apply fixtures/runners/channels/webhook.yaml.</td></tr>{{/channels}}
        </table></div>
        {{/content}}{{/layout}}
        """

    static let runs = """
        {{<layout}}{{$content}}
        <h1>Provider runs</h1>
        <section id="runs" data-live>
        <div class="scroll"><table>
        <tr><th>Run</th><th>Provider</th><th>Resource</th><th>Ref</th><th>Status</th><th>Local</th><th>Created</th></tr>
        {{#runs}}<tr><td><a href="/ui/runs/{{id}}">{{id}}</a></td><td>{{provider}}</td><td>{{resource}}</td><td>{{ref}}</td>
        <td><span class="badge {{status}}">{{status}}</span> {{#conclusion}}<span class="badge {{conclusion}}">{{conclusion}}</span>{{/conclusion}}</td>
        <td>{{local}}</td><td><time datetime="{{created_at}}">{{created_at}}</time></td></tr>{{/runs}}
        {{^runs}}<tr><td colspan="7" class="muted">No runs: github, gitlab and azure channels start them.</td></tr>{{/runs}}
        </table></div>
        </section>
        {{/content}}{{/layout}}
        """

    static let run = """
        {{<layout}}{{$content}}
        <h1>{{provider}} run {{id}}</h1>
        <section id="run" data-live>
        <p><span class="badge {{status}}">{{status}}</span> {{#conclusion}}<span class="badge {{conclusion}}">{{conclusion}}</span>{{/conclusion}}
        <span class="muted">{{resource}} at {{ref}}{{#exit_code}} · exit code {{exit_code}}{{/exit_code}}</span></p>
        <h2>Log</h2>
        <pre>{{log}}</pre>
        </section>
        <h2>Request</h2>
        <pre>{{request}}</pre>
        {{/content}}{{/layout}}
        """
}
