"""The terminal chat a newcomer gets from `frontdesk up` without a Telegram token."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.processes import PROJECT_DIR, free_port

pytestmark = pytest.mark.rasa


def test_terminal_chat_answers_and_presses_buttons_by_number(stack, rasa_url, tmp_path):
    env = {**os.environ, "RASA_URL": rasa_url, "BACKEND_URL": stack.backend_url,
           "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
           "BOT_PORT": str(free_port()), "DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": ""}
    conversation = "你好\n1\n1\n"  # greet; [1] = 报修; [1] = 空调
    result = subprocess.run([sys.executable, "-m", "backend.cli", "bot", "--terminal"],
                            input=conversation, capture_output=True, text=True, timeout=60,
                            env=env, cwd=PROJECT_DIR)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "售后服务助手" in out          # the greeting
    assert "[1] 🔧 报修" in out            # buttons are numbered
    assert "哪种产品需要维修" in out        # "1" pressed the repair button
    assert "故障情况" in out               # "1" picked the first product
    # Logs go to a file, not into the conversation.
    assert "INFO" not in out and (tmp_path / "log" / "bot.log").exists()
