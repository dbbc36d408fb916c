"""One emulated machine: ``qemu-system-x86_64 -accel tcg`` booting the
guest's kernel with systemd as PID 1, and the two ways the test talks to it.

- QMP (the emulator's own control socket) for what the world does to the
  device: a screendump of its display, a touch on its USB tablet, keys on
  its keyboard, power off;
- the QEMU guest agent (a virtio port, no network) to run a command in the
  guest as root and read what it printed, as a technician at a console
  would.

The emulated hardware: a q35 PC with two CPUs and 2 GB; the root image and
the FAT boot partition on virtio disks; a virtio GPU (``/dev/dri/card0``,
800x480 like the official 7-inch display); a USB tablet (touch); the
i6300esb watchdog, which systemd arms (``RuntimeWatchdogSec``); the serial
console in ``console.log``; the guest's printer output in ``printer.bin``.
KVM is not needed (not usable on CI's machines): TCG emulates the CPU.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

SCREEN = (800, 480)
TABLET_RANGE = 0x7FFF  # QEMU's absolute pointer axes run from 0 to 32767


class MachineError(RuntimeError):
    pass


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class JsonSocket:
    """Newline-separated JSON messages over a Unix socket."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buffer = b""

    def send(self, message: dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def receive(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the emulator closed the socket")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            message: dict[str, Any] = json.loads(line.lstrip(b"\xff"))
        except json.JSONDecodeError:
            return {}
        return message

    def close(self) -> None:
        self.sock.close()


class Machine:
    """A guest booted from *root_image* (ext4) and *boot_image* (FAT), with
    the kernel and initramfs given directly to the emulator."""

    def __init__(self, name: str, workdir: Path, kernel: Path, initrd: Path,
                 root_image: Path, boot_image: Path, memory_mb: int = 2048) -> None:
        self.name = name
        self.workdir = workdir
        self.kernel, self.initrd = kernel, initrd
        self.root_image, self.boot_image = root_image, boot_image
        self.memory_mb = memory_mb
        self.process: subprocess.Popen[bytes] | None = None
        self.qmp_socket = workdir / "qmp.sock"
        self.agent_socket = workdir / "agent.sock"
        self.console = workdir / "console.log"
        self.printer = workdir / "printer.bin"
        self._qmp: JsonSocket | None = None
        self._agent: JsonSocket | None = None
        self._ids = itertools.count(1)

    def command_line(self) -> list[str]:
        qemu = shutil.which("qemu-system-x86_64")
        if qemu is None:
            raise MachineError("qemu-system-x86_64 is not installed: run ./setup.sh dev")
        width, height = SCREEN
        return [
            qemu, "-name", self.name, "-accel", "tcg,thread=multi", "-machine", "q35",
            "-cpu", "max", "-smp", "2", "-m", str(self.memory_mb),
            "-nodefaults", "-no-user-config", "-no-reboot", "-nic", "none", "-display", "none",
            "-kernel", str(self.kernel), "-initrd", str(self.initrd),
            "-append", "root=/dev/vda rw console=ttyS0 panic=-1",
            "-drive", f"file={self.root_image},if=virtio,format=raw,cache=unsafe",
            "-drive", f"file={self.boot_image},if=virtio,format=raw,cache=unsafe",
            "-device", f"virtio-vga,xres={width},yres={height}",
            "-device", "qemu-xhci", "-device", "usb-tablet", "-device", "usb-kbd",
            "-device", "i6300esb",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=agent,path={self.agent_socket},server=on,wait=off",
            "-device", "virtserialport,chardev=agent,name=org.qemu.guest_agent.0",
            "-chardev", f"file,id=printer,path={self.printer}",
            "-device", "virtserialport,chardev=printer,name=boot-test.printer",
            "-serial", f"file:{self.console}",
            "-qmp", f"unix:{self.qmp_socket},server=on,wait=off",
        ]

    # -- life ------------------------------------------------------------------

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for path in (self.qmp_socket, self.agent_socket, self.console, self.printer):
            path.unlink(missing_ok=True)
        log = (self.workdir / "qemu.log").open("wb")
        self.process = subprocess.Popen(self.command_line(), stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while not self.qmp_socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise MachineError(f"the emulator did not start: "
                                   f"{(self.workdir / 'qemu.log').read_text()[-2000:]}")
            time.sleep(0.1)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Power off (the guest is not asked: its state is thrown away)."""
        for channel in (self._agent, self._qmp):
            if channel is not None:
                channel.close()
        self._agent = self._qmp = None
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    # -- QMP -------------------------------------------------------------------

    def qmp(self, command: str, **arguments: Any) -> Any:
        if self._qmp is None:
            channel = JsonSocket(self.qmp_socket, 30)
            channel.receive(30)  # the greeting
            channel.send({"execute": "qmp_capabilities"})
            self._until_return(channel, 30)
            self._qmp = channel
        self._qmp.send({"execute": command, "arguments": arguments})
        return self._until_return(self._qmp, 120)

    @staticmethod
    def _until_return(channel: JsonSocket, timeout: float) -> Any:
        while True:
            message = channel.receive(timeout)
            if "return" in message:
                return message["return"]
            if "error" in message:
                raise MachineError(f"QMP: {message['error']}")

    def pause(self) -> None:
        """Stop the guest's CPUs (and its clocks: a paused guest sees no time
        pass, so no watchdog or timer of its own fires meanwhile)."""
        self.qmp("stop")

    def resume(self) -> None:
        self.qmp("cont")

    def screendump(self, path: Path) -> Image.Image:
        """What the display shows now, saved as *path* (PNG)."""
        raw = path.with_suffix(".ppm")
        self.qmp("screendump", filename=str(raw))
        with Image.open(raw) as image:
            picture = image.convert("RGB")
        picture.save(path)
        raw.unlink()
        return picture

    def tap(self, x: int, y: int) -> None:
        """A touch at (*x*, *y*) screen pixels on the USB tablet, and release."""
        width, height = SCREEN
        axes = [{"type": "abs", "data": {"axis": "x", "value": round(x * TABLET_RANGE / width)}},
                {"type": "abs", "data": {"axis": "y", "value": round(y * TABLET_RANGE / height)}}]
        self.qmp("input-send-event", events=axes)
        time.sleep(0.05)
        self.qmp("input-send-event", events=[
            {"type": "btn", "data": {"down": True, "button": "left"}}])
        time.sleep(0.15)
        self.qmp("input-send-event", events=[
            {"type": "btn", "data": {"down": False, "button": "left"}}])

    def keys(self, *names: str) -> None:
        """Press the keys *names* (QEMU's qcodes: ctrl, alt, f2...) together."""
        self.qmp("send-key", keys=[{"type": "qcode", "data": name} for name in names])

    # -- the guest agent -----------------------------------------------------

    def _agent_call(self, command: str, timeout: float = 60, **arguments: Any) -> Any:
        if self._agent is None:
            raise MachineError("the guest agent is not connected: call wait_for_agent()")
        message: dict[str, Any] = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self._agent.send(message)
        return self._until_return(self._agent, timeout)

    def wait_for_agent(self, timeout: float) -> None:
        """Until the guest agent answers (the guest has booted far enough)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise MachineError(f"the guest stopped while booting; console:\n"
                                   f"{self.console_text()[-3000:]}")
            try:
                channel = JsonSocket(self.agent_socket, 10)
            except OSError:
                time.sleep(1)
                continue
            token = next(self._ids) + 1000 * os.getpid()
            try:
                channel.send({"execute": "guest-sync", "arguments": {"id": token}})
                while channel.receive(10).get("return") != token:
                    pass
            except (TimeoutError, ConnectionError, OSError):
                channel.close()
                time.sleep(1)
                continue
            self._agent = channel
            return
        raise MachineError(f"the guest agent did not answer within {timeout:.0f} s; console:\n"
                           f"{self.console_text()[-3000:]}")

    def run(self, command: str, timeout: float = 300) -> Result:
        """Run *command* (a shell line) in the guest as root."""
        arguments: dict[str, Any] = {"path": "/bin/sh", "arg": ["-c", command],
                                     "capture-output": True}
        try:
            started = self._agent_call("guest-exec", **arguments)
        except (ConnectionError, TimeoutError, OSError):
            # The agent's channel dropped (the agent restarted in the guest):
            # connect again; the command had not started.
            if self._agent is not None:
                self._agent.close()
            self._agent = None
            self.wait_for_agent(300)
            started = self._agent_call("guest-exec", **arguments)
        deadline = time.monotonic() + timeout
        while True:
            status = self._agent_call("guest-exec-status", pid=started["pid"])
            if status.get("exited"):
                break
            if time.monotonic() > deadline:
                raise MachineError(f"{command!r} did not finish within {timeout:.0f} s")
            time.sleep(0.2)

        def text(key: str) -> str:
            return base64.b64decode(status.get(key, "")).decode("utf-8", "replace")

        code = status.get("exitcode", -status.get("signal", 1))
        return Result(code, text("out-data"), text("err-data"))

    def check(self, command: str, timeout: float = 300) -> str:
        """:meth:`run`, asserting it succeeded; what it printed on stdout."""
        result = self.run(command, timeout)
        assert result.returncode == 0, f"in the guest: {command!r} exited " \
                                       f"{result.returncode}:\n{result.output[-4000:]}"
        return result.stdout

    def wait_until(self, command: str, timeout: float, every: float = 1.0) -> bool:
        """Run *command* in the guest until it succeeds; False after *timeout*
        (a bound for something stuck, never a measured time)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.run(command, timeout=max(30.0, timeout)).returncode == 0:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(every)

    def read_file(self, path: str) -> str:
        return self.check(f"cat {path}")

    def console_text(self) -> str:
        try:
            return self.console.read_text(errors="replace")
        except OSError:
            return ""

    def printed(self) -> bytes:
        """Every byte the guest's receipt printer received so far."""
        try:
            return self.printer.read_bytes()
        except OSError:
            return b""
