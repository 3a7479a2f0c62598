"""Issue 24 end to end: the real `evidence-bot serve`, the Bot API stand-in limiting each group to 20 messages a
minute (429 "retry after" beyond it, as Telegram does).

Before the durable inbox: 150 /sources in a group (20 accepted, 4 messages each) held every private question
behind the group's backlog (0 of 40 answered within 70 s, benchmarks/bench_bot_throughput.py --flood), and a kill
answered many questions twice. Now private chats are answered within seconds while the group drains at
Telegram's pace, and after SIGKILL nothing is lost and nothing is answered twice beyond the replies that were
being sent at the moment of the kill.
"""

from __future__ import annotations

import statistics
import time

from tests.fake_bot_api import FakeBotAPI, message_update
from tests.flood import GROUP, answers_to, group_flood, private_traffic
from tests.test_restart import QUESTION, Serve


def test_private_chats_are_answered_while_a_group_floods_and_a_kill_answers_nothing_twice(tmp_path):
    data_dir, log_path = tmp_path / "data", tmp_path / "serve.log"
    with FakeBotAPI(group_limit=(20, 60.0)) as api:
        serve = Serve(api, data_dir, log_path, EVIDENCE_BOT_SHUTDOWN_TIMEOUT="0.5").start()
        try:
            group_flood(api)  # 150 /sources from one member
            time.sleep(2)
            waits = private_traffic(api, chats=8, questions=8, interval=0.5, grace=15)
            print(waits.summary())
            assert len(waits.answered) == 8, waits.summary()
            assert statistics.median(waits.answered) < 2.0 and max(waits.answered) < 6.0, waits.summary()
            assert 0 < len(answers_to(api, GROUP)) < 4 * 20 + 1  # the group is being answered, at its pace

            # 60 more questions from 30 chats, SIGKILL once about half are answered
            asked = {}
            for index in range(60):
                chat_id = 6_000 + index % 30
                api.queue(message_update(QUESTION, chat_id=chat_id, user_id=chat_id))
                asked[chat_id] = asked.get(chat_id, 0) + 1
            deadline = time.monotonic() + 20
            while sum(len(answers_to(api, c)) for c in asked) < 30:
                assert time.monotonic() < deadline, "the questions were not answered"
                time.sleep(0.005)
            killed_at = time.monotonic()
            serve.kill()
            in_flight = sum(1 for c in api.delivered("sendMessage") if c.params.get("chat_id") in asked
                            and killed_at - c.at < 0.5)
            group_before = len(answers_to(api, GROUP))
            serve.start()
            deadline = time.monotonic() + 20
            while any(len(answers_to(api, c)) < n for c, n in asked.items()):
                assert time.monotonic() < deadline, "questions lost after the kill"
                time.sleep(0.05)
            time.sleep(0.5)
            twice = sum(len(answers_to(api, c)) - n for c, n in asked.items())
            print(f"SIGKILL: {twice} answered twice; {in_flight} answers were sent in the 0.5 s before the kill")
            assert twice <= in_flight
            assert serve.term() == 0
        finally:
            serve.cleanup()
    log = log_path.read_text()
    assert "from before the last stop not answered yet" in log  # the group's backlog, resumed from the inbox
    assert group_before <= len(answers_to(api, GROUP))
    assert "Traceback" not in log and QUESTION not in log and "Ada" not in log  # LOG_LEVEL=DEBUG: no content
