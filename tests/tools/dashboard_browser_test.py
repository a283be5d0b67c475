#!/usr/bin/env python3
"""The dashboard in a real browser: headless Debian chromium driven by python3-selenium and
chromium-driver, against `rstreams serve` on a bus the flagship example filled.

  dashboard_browser_test.py RSTREAMS FLAGSHIP WORK_DIR SCREENSHOT_DIR

Checks that the graph shows every bot and queue of the flagship and follows the bus live; that pausing and resuming a bot
from its page changes it in the bus (read back through `rstreams --json bots`); that a replay from
the page (dry run, then confirm) moves the checkpoint back; that the trace page shows an enriched
order's parent in `orders`. Saves a screenshot of each page in SCREENSHOT_DIR. Exits 77 (ctest:
skipped) only when chromium is not installed.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse

SKIP = 77


def main():
    rstreams, flagship, work, shots = sys.argv[1:5]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP: chromium is not installed (Debian: chromium chromium-driver python3-selenium)")
        return SKIP
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.common.exceptions import (ElementNotInteractableException, NoSuchElementException,
                                                StaleElementReferenceException)
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        print("FAIL: chromium is here but python3-selenium is not (Debian: python3-selenium chromium-driver)")
        return 1
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not os.path.exists(driver_path):
        print("FAIL: chromium is here but chromedriver is not (Debian: chromium-driver)")
        return 1

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.makedirs(shots, exist_ok=True)
    bus = os.path.join(work, "bus")
    subprocess.run([flagship, bus], cwd=work, check=True, stdout=subprocess.DEVNULL)

    def cli(*args):
        out = subprocess.run([rstreams, "--json", *args], check=True, capture_output=True, text=True)
        return json.loads(out.stdout) if out.stdout.strip().startswith(("{", "[")) else out.stdout

    def tail(queue, *args):
        out = subprocess.run([rstreams, "tail", bus, queue, "--format", "json", *args], check=True,
                             capture_output=True, text=True).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    bots = {b["bot"]: b for b in cli("bots", bus)}
    queues = [q["queue"] for q in cli("queues", bus)]
    for want in ("order-enricher", "warehouse", "analytics"):
        assert want in bots, f"the flagship's bus lacks bot {want}: {sorted(bots)}"

    server = subprocess.Popen([rstreams, "serve", bus, "--listen", "127.0.0.1:0", "--interval", "0.5"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    browser = None
    try:
        url = token = None
        deadline = time.time() + 15
        while time.time() < deadline and not token:
            line = server.stdout.readline()
            if not line:
                break
            if line.startswith("open: "):
                url, _, token = line[len("open: "):].strip().partition("#token=")
        assert token, "rstreams serve printed no URL with a token"

        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1400,1000", "--disable-extensions"):
            options.add_argument(arg)
        browser = webdriver.Chrome(service=Service(driver_path), options=options)
        # The page re-renders on live updates: an element found a moment ago may be gone.
        wait = WebDriverWait(browser, 15, ignored_exceptions=(
            NoSuchElementException, StaleElementReferenceException, ElementNotInteractableException))

        def find(css):
            return wait.until(lambda d: d.find_element(By.CSS_SELECTOR, css))

        def text_of(css):
            return lambda d: d.find_element(By.CSS_SELECTOR, css).text

        def click(css):
            def attempt(d):
                el = d.find_element(By.CSS_SELECTOR, css)
                if not el.is_enabled():
                    return False
                el.click()
                return True
            wait.until(attempt)

        def type_into(css, text):
            def attempt(d):
                el = d.find_element(By.CSS_SELECTOR, css)
                el.clear()
                el.send_keys(text)
                return el.get_attribute("value") == text
            wait.until(attempt)

        def shot(name):
            browser.execute_script("document.getElementById('message').innerHTML = ''; window.scrollTo(0, 0);")
            browser.save_screenshot(os.path.join(shots, name))

        # The graph: a node per flagship bot and queue, live.
        browser.get(url + "#token=" + token)
        for b in bots:
            find(f'#graph g.node[data-node="b:{b}"]')
        for q in queues:
            find(f'#graph g.node[data-node="q:{q}"]')
        find('#graph g.edge[data-from="q:orders"][data-to="b:order-enricher"]')
        wait.until(lambda d: text_of("#live")(d) == "live")
        print(f"graph: {len(bots)} bots and {len(queues)} queues shown")

        # Pause and resume the warehouse from its page; the bus says so.
        browser.get(url + "#/bot/warehouse")
        click("#pause")
        wait.until(lambda d: text_of("#bot-status")(d) == "paused")
        paused = {b["bot"]: b["paused"] for b in cli("bots", bus)}
        assert paused["warehouse"] is True, f"warehouse not paused in the bus: {paused}"
        shot("bot-paused.png")
        click("#resume")
        wait.until(lambda d: text_of("#bot-status")(d) == "active")
        assert {b["bot"]: b["paused"] for b in cli("bots", bus)}["warehouse"] is False
        print("pause and resume from the page: the bus followed")

        # From one bot's page to another's while the server answers slower than its live updates
        # come (a loaded machine): the update's render must not keep the previous bot's forms.
        browser.execute_script("""
            const real = window.realFetch = window.fetch;
            window.fetch = (u, o) => String(u).startsWith('/api/bots/') && !(o && o.method === 'POST')
              ? new Promise((ok) => setTimeout(ok, 1500)).then(() => real(u, o)) : real(u, o);
            location.hash = '#/bot/order-enricher';""")
        wait.until(lambda d: "order-enricher" in text_of("h1")(d))
        time.sleep(2)  # more live updates, each rendering slowly
        owner = find("#actions").get_attribute("data-bot")
        assert owner == "order-enricher", f"order-enricher's page shows the actions of {owner}"
        browser.execute_script("window.fetch = window.realFetch;")
        print("a slow move between bot pages keeps each bot's own actions")

        # Replay the order enricher from 500 orders back: dry run (nothing moves), then confirm.
        start = tail("orders", "--from", "-500", "--limit", "1")[0]["eid"]
        before = cli("checkpoint", "get", bus, "order-enricher", "orders")
        assert before["lag_events"] == 0, before
        browser.get(url + "#/bot/order-enricher")
        type_into("#replay-from", start)
        click("#replay-dry")
        find("#dry-run")
        time.sleep(0.3)
        assert cli("checkpoint", "get", bus, "order-enricher", "orders")["lag_events"] == 0, "a dry run moved it"
        shot("bot-replay-dry-run.png")
        click("#confirm")
        wait.until(lambda d: cli("checkpoint", "get", bus, "order-enricher", "orders")["lag_events"] == 500)
        wait.until(lambda d: text_of(".input .lag-events")(d) == "500")
        time.sleep(1.2)  # a few samples for the chart
        shot("bot.png")
        print(f"replay from the page moved the checkpoint: {before['checkpoint']} -> "
              f"{cli('checkpoint', 'get', bus, 'order-enricher', 'orders')['checkpoint']}")

        browser.get(url + "#/")
        find('#graph g.edge[data-from="q:orders"][data-to="b:order-enricher"] path[stroke="#d97706"]')
        shot("graph.png")

        # Live: the flagship runs again (its enricher reprocesses the 500 replayed orders); the open
        # page follows through its event stream, without a reload.
        enriched = lambda: next(q["events"] for q in cli("queues", bus) if q["queue"] == "orders-enriched")
        before_run = enriched()
        subprocess.run([flagship, bus], cwd=work, check=True, stdout=subprocess.DEVNULL)
        after_run = enriched()
        assert after_run > before_run, "the flagship's second run wrote nothing"
        find('#graph g.edge[data-from="q:orders"][data-to="b:order-enricher"] path[stroke="#16a34a"]')
        want = f"{after_run:,} events"
        wait.until(lambda d: want in text_of('#graph g.node[data-node="q:orders-enriched"]')(d))
        print(f"live: the graph followed a run of the flagship (orders-enriched: {want}) without a reload")

        # The queue page: the latest events as JSON.
        browser.get(url + "#/queue/orders-enriched")
        find("#events .event pre")
        shot("queue.png")

        # Trace an enriched order: its parent in `orders` is on the page.
        child = tail("orders-enriched", "--limit", "1")[0]
        parent = child["correlation_id"]["start"]
        browser.get(url + "#/trace/" + urllib.parse.quote(child["eid"], safe="") + "/orders-enriched")
        find(f'.lineage .item.ancestor[data-queue="orders"][data-eid="{parent}"]')
        find(f'.lineage .item.traced[data-eid="{child["eid"]}"]')
        shot("trace.png")
        print(f"trace: {child['eid']} in orders-enriched has parent {parent} in orders")

        # The server stops cleanly on SIGINT (and a sanitizer build reports nothing).
        browser.quit()
        browser = None
        server.send_signal(signal.SIGINT)
        rest, _ = server.communicate(timeout=15)
        if server.returncode != 0 or "stopped" not in rest:
            print(f"FAIL: rstreams serve ended with {server.returncode}:\n{rest}")
            return 1
        return 0
    finally:
        if browser is not None:
            browser.quit()
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main())
