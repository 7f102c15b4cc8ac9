"""The prune guard of ``bland-pools provision --prune`` and ``provision(prune=True)``: a plan
deleting more than 10 pools and more than 10% of the pools the manifest holds is refused
before anything is sent (exit 2, the count and the flag in the message), in a dry run too;
``--max-delete N`` allows up to N (0: none); an input with no pools is refused with
``--prune`` whatever the limit."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bland_pools import AsyncBlandClient
from bland_pools._cli import main as bland_main
from bland_pools.provision import PruneRefusedError, provision
from bland_pools.testing import BlandEmulator

from ._support import KEY, bland, run


def write(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["pool", "phone_number"])
        writer.writerows([f"p{n:03d}", f"+1312555{n:04d}"] for n in range(count))


def deletes(emu: BlandEmulator) -> int:
    return sum(1 for r in emu.requests if r.method == "DELETE")


async def provisioned(emu: BlandEmulator, tmp_path: Path, count: int) -> tuple[Path, list[str]]:
    source, manifest = tmp_path / "pools.csv", tmp_path / "pools.db"
    write(source, count)
    argv = ["--api-key", KEY, "--base-url", emu.url, "provision", str(source)]
    assert await bland(*argv, "--manifest", str(manifest)) == 0
    assert len(emu.pools(KEY)) == count
    return source, [*argv, "--manifest", str(manifest), "--prune"]


async def test_deleting_more_than_10_pools_and_10_percent_is_refused_dry_run_too(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, argv = await provisioned(bland_emu, tmp_path, 30)
    write(source, 19)  # 11 of 30 leave the file
    capsys.readouterr()

    for dry_run in ([], ["--dry-run"]):
        code = await bland(*argv, *dry_run)

        out, err = capsys.readouterr()
        assert code == 2, err
        assert "Traceback" not in err
        (line,) = err.strip().splitlines()
        assert line.startswith("bland-pools: error: refused: the plan deletes 11 ")
        assert "of the 30 it holds" in line
        assert "--max-delete 11" in line
        assert "11 to delete" in out  # the plan was shown, then refused
    assert deletes(bland_emu) == 0
    assert len(bland_emu.pools(KEY)) == 30

    code = await bland(*argv, "--max-delete", "11")

    _, err = capsys.readouterr()
    assert code == 0, err
    assert deletes(bland_emu) == 11
    assert len(bland_emu.pools(KEY)) == 19


async def test_up_to_10_pools_or_up_to_10_percent_are_deleted_without_the_flag(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, argv = await provisioned(bland_emu, tmp_path, 130)
    write(source, 117)  # 13 of 130: more than 10, but 10%

    assert await bland(*argv) == 0
    assert deletes(bland_emu) == 13

    write(source, 106)  # 11 of 117: more than 10, but within 10% (11.7)
    assert await bland(*argv) == 0
    assert deletes(bland_emu) == 24

    write(source, 95)  # 11 of 106: more than 10 and more than 10.6
    capsys.readouterr()
    assert await bland(*argv) == 2
    assert "the plan deletes 11 " in capsys.readouterr().err
    assert deletes(bland_emu) == 24

    write(source, 96)  # 10 of 106: 10 is allowed
    assert await bland(*argv) == 0
    assert deletes(bland_emu) == 34


async def test_max_delete_0_refuses_any_deletion(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, argv = await provisioned(bland_emu, tmp_path, 3)
    write(source, 2)
    capsys.readouterr()

    code = await bland(*argv, "--max-delete", "0")

    _, err = capsys.readouterr()
    assert code == 2
    assert "more than --max-delete 0" in err
    assert deletes(bland_emu) == 0
    assert await bland(*argv, "--max-delete", "1") == 0
    assert deletes(bland_emu) == 1


@pytest.mark.parametrize("limit", [[], ["--max-delete", "1000"]], ids=["default", "max-1000"])
async def test_an_input_with_no_pools_is_never_pruned(
    bland_emu: BlandEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    limit: list[str],
) -> None:
    source, argv = await provisioned(bland_emu, tmp_path, 4)
    source.write_text("pool,phone_number\n", encoding="utf-8")  # the header of a failed export
    capsys.readouterr()
    listed = len(bland_emu.requests)

    for dry_run in ([], ["--dry-run"]):
        code = await bland(*argv, *limit, *dry_run)

        out, err = capsys.readouterr()
        assert code == 2, err
        assert out == ""
        assert "Traceback" not in err
        assert "the input has no pools" in err
        assert "whatever --max-delete says" in err
    assert len(bland_emu.requests) == listed  # nothing sent, not even the listing
    assert len(bland_emu.pools(KEY)) == 4
    # Without --prune an empty input is no danger: nothing to do.
    assert await bland(*argv[:-1]) == 0


async def test_the_api_raises_a_typed_error_with_the_counts(
    bland_emu: BlandEmulator, tmp_path: Path
) -> None:
    manifest = tmp_path / "pools.db"
    wanted = {f"p{n}": [f"+1312555{n:04d}"] for n in range(25)}
    async with AsyncBlandClient(api_key=KEY, base_url=bland_emu.url) as client:
        await provision(wanted, manifest=manifest, client=client)
        kept = dict(list(wanted.items())[:5])

        with pytest.raises(PruneRefusedError) as caught:
            await provision(kept, manifest=manifest, client=client, prune=True)
        assert (caught.value.deletes, caught.value.held, caught.value.limit) == (20, 25, None)
        assert isinstance(caught.value, ValueError)
        with pytest.raises(PruneRefusedError):
            await provision(kept, manifest=manifest, client=client, prune=True, max_delete=19)
        with pytest.raises(PruneRefusedError, match="no pools"):
            await provision({}, manifest=manifest, client=client, prune=True, max_delete=99)
        with pytest.raises(ValueError, match="max_delete"):
            await provision(kept, manifest=manifest, client=client, prune=True, max_delete=-1)
        assert deletes(bland_emu) == 0

        report = await provision(kept, manifest=manifest, client=client, prune=True, max_delete=20)

    assert report.count("deleted") == 20
    assert len(bland_emu.pools(KEY)) == 5


@pytest.mark.parametrize("value", ["-1", "x", "1.5"])
def test_max_delete_must_be_a_whole_number_from_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    argv = ["--api-key", KEY, "provision", "f.csv", "--manifest", str(tmp_path / "m.db")]

    assert run(bland_main, [*argv, "--max-delete", value]) == 2

    assert "argument --max-delete: must be a whole number from 0" in capsys.readouterr().err
