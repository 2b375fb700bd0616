"""Shell completion of scheme ids, in real interactive bash, zsh and fish (under tmux),
and through click's completion protocol on every command that takes a scheme.

Each shell runs in a tmux server of its own (``tmux -L <name>``), started with an
empty environment but PATH, in a temporary HOME and folder; the test types as a
person does (``kpiscore explain tech`` and TAB) and reads the screen back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
#: How long a shell may take to show what a TAB completed (it runs kpiscore, which takes
#: about 0.3 s here; 15 s is far above that on a busy machine).
PATIENCE = 15.0

#: How each shell is started and given kpiscore's completion, as docs/completion.md says.
SHELLS = {
    "bash": (["bash", "--norc", "--noprofile", "-i"],
             'eval "$(_KPISCORE_COMPLETE=bash_source kpiscore)"'),
    "zsh": (["zsh", "-f", "-i"],
            'autoload -Uz compinit && compinit -u && '
            'eval "$(_KPISCORE_COMPLETE=zsh_source kpiscore)"'),
    "fish": (["fish", "-i"], "env _KPISCORE_COMPLETE=fish_source kpiscore | source"),
}


class Terminal:
    """An interactive shell in a tmux window 200 columns wide."""

    def __init__(self, shell: str, folder: Path) -> None:
        self.socket = f"kpiscore-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        command, setup = SHELLS[shell]
        env = ["env", "-i", f"PATH={BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
               f"HOME={folder}", "TERM=xterm", "LANG=C.UTF-8", "PS1=$ "]
        self._tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "40", "-c", str(folder),
                   " ".join([*env, *command]))
        self.run(setup)

    def _tmux(self, *args: str) -> str:
        proc = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=30, check=True)
        return proc.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-t", "t", "-p")

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + PATIENCE
        while True:
            screen = self.screen()
            if text in screen or time.monotonic() > deadline:
                return screen
            time.sleep(0.1)

    def run(self, line: str) -> None:
        """Type a line, Enter, and wait for the shell to be done with it."""
        marker = f"done-{uuid.uuid4().hex[:6]}"
        self._tmux("send-keys", "-t", "t", "-l", f"{line}; echo {marker}")
        self._tmux("send-keys", "-t", "t", "Enter")
        screen = self.wait_for(f"\n{marker}")
        assert f"\n{marker}" in screen, screen

    def complete(self, typed: str, tabs: int = 1) -> str:
        """Type ``typed`` and TAB; the screen once the line has changed (or a list shows)."""
        self._tmux("send-keys", "-t", "t", "C-u")  # an empty line (bash, zsh and fish)
        self._tmux("send-keys", "-t", "t", "-l", typed)
        self.wait_for(typed)
        before = self.screen()
        for _ in range(tabs):
            self._tmux("send-keys", "-t", "t", "Tab")
        deadline = time.monotonic() + PATIENCE
        while self.screen() == before and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)  # the rest of a list, if one is being drawn
        return self.screen()

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=30, check=False)


@pytest.fixture()
def terminal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Terminal]:
    shell = request.param
    if shutil.which("tmux") is None:
        pytest.skip("needs tmux to type into a real interactive shell")
    if shutil.which(SHELLS[shell][0][0]) is None:
        pytest.skip(f"{shell} is not installed")
    if not (BIN / "kpiscore").exists():
        pytest.skip("needs the installed kpiscore executable (pip install -e .)")
    term = Terminal(shell, tmp_path)
    try:
        yield term
    finally:
        term.close()


def _line(screen: str, start: str) -> str:
    """The last line of the screen that shows a command line beginning ``start``."""
    lines = [ln.rstrip() for ln in screen.splitlines() if start in ln]
    assert lines, screen
    return lines[-1][lines[-1].index(start):]


@pytest.mark.parametrize("terminal", ["bash", "zsh", "fish"], indirect=True)
def test_tab_completes_a_shipped_scheme_id_in_a_real_shell(terminal: Terminal) -> None:
    screen = terminal.complete("kpiscore explain tech")
    assert _line(screen, "kpiscore explain") == "kpiscore explain tech-support-manager", screen


@pytest.mark.parametrize("terminal", ["bash"], indirect=True)
@pytest.mark.parametrize(("typed", "completed"), [
    ("kpiscore evaluate tech", "kpiscore evaluate tech-support-manager"),
    ("kpiscore whatif tech", "kpiscore whatif tech-support-manager"),
    ("kpiscore diff tech-support-manager tech",
     "kpiscore diff tech-support-manager tech-support-manager"),
    ("kpiscore template tech", "kpiscore template tech-support-manager"),
    ("kpiscore init tech", "kpiscore init tech-support-manager"),
    ("kpiscore schemes tech", "kpiscore schemes tech-support-manager"),
    ("kpiscore schemes customer-service-su", "kpiscore schemes customer-service-supervisor"),
])
def test_every_command_that_takes_a_scheme_completes_its_id(
        terminal: Terminal, typed: str, completed: str) -> None:
    screen = terminal.complete(typed)
    assert _line(screen, f"kpiscore {typed.split()[1]}") == completed, screen


@pytest.mark.parametrize("terminal", ["bash"], indirect=True)
def test_a_scheme_file_completes_when_no_id_matches(terminal: Terminal,
                                                    tmp_path: Path) -> None:
    (tmp_path / "my-card.yaml").write_text("id: x\n", encoding="utf-8")
    screen = terminal.complete("kpiscore explain my")
    assert _line(screen, "kpiscore explain") == "kpiscore explain my-card.yaml", screen


@pytest.mark.parametrize("terminal", ["bash"], indirect=True)
def test_ids_and_scheme_files_that_both_match_are_both_offered(terminal: Terminal,
                                                               tmp_path: Path) -> None:
    (tmp_path / "tech.yaml").write_text("id: x\n", encoding="utf-8")
    screen = terminal.complete("kpiscore explain tech", tabs=2)
    assert "tech-support-manager" in screen and "tech.yaml" in screen, screen
    assert _line(screen, "kpiscore explain").startswith("kpiscore explain tech"), screen


# -- the completion protocol, without a shell -----------------------------------------------


def _offered(words: str, shell: str = "bash") -> list[str]:
    exe = BIN / "kpiscore"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "kpiscore"]
    env = {**os.environ, "_KPISCORE_COMPLETE": f"{shell}_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout.splitlines()


@pytest.mark.parametrize("words", [
    "kpiscore evaluate tech", "kpiscore explain tech", "kpiscore whatif tech",
    "kpiscore diff tech", "kpiscore diff tech-support-manager tech",
    "kpiscore template tech", "kpiscore init tech", "kpiscore schemes tech"])
def test_ids_without_a_file_entry_that_would_wipe_them(words: str) -> None:
    """click's bash script empties its candidates on a ``file`` entry: none beside ids."""
    assert _offered(words) == ["plain,tech-support-manager"]


def test_no_matching_id_hands_over_to_the_shells_file_completion() -> None:
    assert _offered("kpiscore explain zz") == ["file,zz"]
    assert _offered("kpiscore evaluate ./tech") == ["file,./tech"]
    assert not any(_offered("kpiscore init zz"))  # init takes a shipped name, not a file
