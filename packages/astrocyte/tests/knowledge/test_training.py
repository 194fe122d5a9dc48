"""train: identity by space, slugs, the similarity guard, forced updates, forks, tune, export, delete."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from astrocyte.engine import Astrocyte
from astrocyte.errors import AccessDenied, Conflict, NotFound, ValidationError
from astrocyte.knowledge.identity import ADAPTER_NAMESPACE, adapter_id

from .conftest import COMMENT, OTHER, SHELL, document


async def test_train_returns_one_summary_per_h1_and_says_so(brain: Astrocyte) -> None:
    result = await brain.knowledge.train(document() + "\n" + OTHER)
    assert [adapter.title for adapter in result.adapters] == ["Rotate database credentials", "Bake a sourdough loaf"]
    assert "2 H1 titles: one adapter each" in result.message
    assert [adapter.layer_count for adapter in result.adapters] == [4, 1]


async def test_adapter_id_is_uuid5_of_the_title_scoped_by_space(brain: Astrocyte) -> None:
    """Notes section 12 #12: same-title adapters of two spaces were one id there."""
    mine = (await brain.knowledge.train(document())).adapters[0]
    shared = (await brain.knowledge.train(document(), space="ops")).adapters[0]
    assert mine.adapter_id == str(uuid.uuid5(ADAPTER_NAMESPACE, "user:ana\nrotate database credentials"))
    assert shared.adapter_id == adapter_id("group:ops", "  Rotate   DATABASE credentials ")
    assert mine.adapter_id != shared.adapter_id
    found = await brain.knowledge.activate("the database password expired", limit=5)
    assert sorted(choice.space_id for choice in found.choices[:2]) == ["group:ops", "user:ana"]
    run = await brain.knowledge.forward(f"astrocyte://adapter/{shared.adapter_id}")
    layers = await brain.knowledge.export(f"astrocyte://adapter/{shared.adapter_id}")
    assert run.layer is not None
    assert run.layer.title in layers


async def test_derived_slugs_take_suffixes_and_author_slugs_must_be_free(brain: Astrocyte) -> None:
    first = (await brain.knowledge.train(document("Deploy the web app"))).adapters[0]
    assert first.slug == "deploy-the-web-app"
    second = (await brain.knowledge.train(document("Deploy: the web app?"), force_update=False, space="ops")).adapters[
        0
    ]
    assert second.slug == "deploy-the-web-app"  # another space: slugs are unique per space only
    authored = await brain.knowledge.train(document("Something else entirely", slug="rotate"), space="ops")
    assert authored.adapters[0].slug == "rotate"
    with pytest.raises(Conflict, match="slug 'rotate' is already used"):
        await brain.knowledge.train(document("A third different procedure", slug="rotate"), space="ops")


async def test_derived_slug_collisions_count_up(brain: Astrocyte) -> None:
    await brain.knowledge.train(document("Rotate the keys", slug="bake-bread"))
    await brain.knowledge.train(document("Water the garden", slug="bake-bread-2"))
    later = await brain.knowledge.train(OTHER.replace("Bake a sourdough loaf", "Bake bread!"))
    assert later.adapters[0].slug == "bake-bread-3"


async def test_a_similar_title_is_refused_with_the_existing_uri_and_score(brain: Astrocyte) -> None:
    await brain.knowledge.train(document())
    with pytest.raises(Conflict) as raised:
        await brain.knowledge.train(document())
    existing = raised.value.existing
    assert existing["uri"] == "astrocyte://adapter/rotate-database-credentials"
    assert existing["score"] >= 0.9
    assert "force_update" in str(raised.value)


async def test_force_update_replaces_in_the_target_space_only(brain: Astrocyte) -> None:
    """Notes section 12 #11: force_update replaced same-title adapters in every space there."""
    mine = (await brain.knowledge.train(document())).adapters[0]
    shared = (await brain.knowledge.train(document(), space="ops")).adapters[0]
    await brain.knowledge.attach(mine.uri, "rotate.sh", "#!/bin/sh\necho rotate\n")
    before = await brain.knowledge.store.get_adapter(mine.adapter_id)
    before_artifacts = await brain.knowledge.artifacts(mine.uri)
    edited = document(extra=" Use a strong password.")
    replaced = (await brain.knowledge.train(edited, force_update=True)).adapters[0]
    assert replaced.replaced_uri == mine.uri
    after = await brain.knowledge.store.get_adapter(replaced.adapter_id)
    assert before is not None
    assert after is not None
    assert [layer.layer_id for layer in after.layers] == [layer.layer_id for layer in before.layers]
    assert "strong password" in after.layers[0].text
    [artifact] = await brain.knowledge.artifacts(replaced.uri)
    assert artifact.artifact_id == before_artifacts[0].artifact_id
    untouched = await brain.knowledge.store.get_adapter(shared.adapter_id)
    assert untouched is not None
    assert "strong password" not in untouched.layers[0].text


async def test_a_forced_update_keeps_surviving_layer_ids_and_mints_new_ones(brain: Astrocyte) -> None:
    await brain.knowledge.train(document())
    old = (await brain.knowledge.store.find_adapters(["user:ana"]))[0]
    renamed = document().replace("## 2. Deploy the secret", "## Ship the secret")
    await brain.knowledge.train(renamed, force_update=True)
    new = (await brain.knowledge.store.find_adapters(["user:ana"]))[0]
    assert new.layers[0].layer_id == old.layers[0].layer_id
    assert new.layers[1].layer_id != old.layers[1].layer_id
    assert new.layers[3].layer_id == old.layers[3].layer_id


async def test_fork_copies_under_a_new_id_and_slug(brain: Astrocyte) -> None:
    source = (await brain.knowledge.train(document(slug="rotate"))).adapters[0]
    fork = (await brain.knowledge.train(fork_from=source.uri)).adapters[0]
    assert fork.adapter_id != source.adapter_id
    assert fork.slug == "rotate-database-credentials"
    assert fork.forked_from == source.uri
    assert fork.title == source.title
    again = await brain.knowledge.train(fork_from=source.uri, space="ops")
    assert again.adapters[0].space_id == "group:ops"


async def test_near_identical_titles_in_one_call_are_refused(brain: Astrocyte) -> None:
    with pytest.raises(Conflict, match="same call"):
        await brain.knowledge.train([document(), document("Rotate  database credentials!")])
    assert (await brain.knowledge.spaces())[0].adapters == []


async def test_a_refused_document_leaves_none_of_its_siblings(brain: Astrocyte) -> None:
    await brain.knowledge.train(OTHER)
    with pytest.raises(Conflict):
        await brain.knowledge.train([document(), OTHER])
    spaces = await brain.knowledge.spaces()
    assert [adapter.title for adapter in spaces[0].adapters] == ["Bake a sourdough loaf"]


async def test_training_the_export_reproduces_the_stored_adapter(brain: Astrocyte) -> None:
    first = (await brain.knowledge.train(document(slug="rotate"))).adapters[0]
    stored = await brain.knowledge.store.get_adapter(first.adapter_id)
    exported = await brain.knowledge.export(first.uri)
    await brain.knowledge.delete(first.uri)
    again = (await brain.knowledge.train(exported)).adapters[0]
    copy = await brain.knowledge.store.get_adapter(again.adapter_id)
    assert stored is not None
    assert copy is not None
    assert (copy.adapter_id, copy.slug, copy.layers, copy.activation_patterns, copy.reward_signal, copy.metadata) == (
        stored.adapter_id,
        stored.slug,
        stored.layers,
        stored.activation_patterns,
        stored.reward_signal,
        stored.metadata,
    )


async def test_tune_a_layer_recomputes_every_vector_and_keeps_ids(brain: Astrocyte) -> None:
    """Notes section 12 #4: edits dropped the title, pattern and keyword vectors there."""
    trained = (await brain.knowledge.train(document())).adapters[0]
    before = await brain.knowledge.store.get_adapter(trained.adapter_id)
    assert before is not None
    layer = before.layers[0]
    result = await brain.knowledge.tune(
        f"astrocyte://layer/{layer.layer_id}", "Create a login role named zeppelinwarden for the database."
    )
    after = await brain.knowledge.store.get_adapter(trained.adapter_id)
    assert after is not None
    assert result.layer_uris[0] == f"astrocyte://layer/{layer.layer_id}"
    assert after.layers[0].contract == layer.contract
    assert "zeppelinwarden" in after.layers[0].text
    assert len(after.vectors.patterns) == len(after.activation_patterns) == 2
    assert not np.allclose(after.vectors.text, before.vectors.text)
    assert after.vectors.title == before.vectors.title
    found = await brain.knowledge.activate("zeppelinwarden")
    assert found.choices[0].uri == trained.uri
    assert any("zeppelinwarden" in reason for reason in found.choices[0].why)


async def test_tune_the_whole_adapter_in_place(brain: Astrocyte) -> None:
    trained = (await brain.knowledge.train(document())).adapters[0]
    edited = document().replace("- the database password expired", "- credentials leaked to a pastebin")
    result = await brain.knowledge.tune(trained.uri, edited)
    assert result.uri == trained.uri
    stored = await brain.knowledge.store.get_adapter(trained.adapter_id)
    assert stored is not None
    assert stored.activation_patterns[0] == "credentials leaked to a pastebin"
    with pytest.raises(ValidationError, match="one adapter"):
        await brain.knowledge.tune(trained.uri, edited + "\n" + OTHER)


async def test_tune_a_layer_with_a_new_contract_and_title(brain: Astrocyte) -> None:
    trained = (await brain.knowledge.train(document())).adapters[0]
    stored = await brain.knowledge.store.get_adapter(trained.adapter_id)
    assert stored is not None
    uri = f"astrocyte://layer/{stored.layers[1].layer_id}"
    await brain.knowledge.tune(uri, f"## Push the secret\nRun the script.\n{SHELL}\n")
    changed = await brain.knowledge.store.get_adapter(trained.adapter_id)
    assert changed is not None
    assert (changed.layers[1].title, changed.layers[1].contract["type"]) == ("Push the secret", "shell")
    with pytest.raises(ValidationError, match="already used"):
        await brain.knowledge.tune(uri, f"## Confirm with the owner\ntext\n{COMMENT}\n")


async def test_protected_spaces_are_written_by_admins_only_on_every_path(brain: Astrocyte) -> None:
    """Notes section 12 #8: delete and layer tunes skipped the protected-space check there."""
    with pytest.raises(AccessDenied):
        await brain.knowledge.train(document(), space="handbook")
    handbook = (await brain.knowledge.train(document(), space="handbook", principal="root")).adapters[0]
    stored = await brain.knowledge.store.get_adapter(handbook.adapter_id)
    assert stored is not None
    layer_uri = f"astrocyte://layer/{stored.layers[0].layer_id}"
    uuid_uri = f"astrocyte://adapter/{handbook.adapter_id}"
    with pytest.raises(AccessDenied):
        await brain.knowledge.tune(layer_uri, "changed")
    with pytest.raises(AccessDenied):
        await brain.knowledge.tune(uuid_uri, document())
    with pytest.raises(AccessDenied):
        await brain.knowledge.delete(uuid_uri)
    with pytest.raises(AccessDenied):
        await brain.knowledge.attach(uuid_uri, "x.sh", "echo")
    assert (await brain.knowledge.activate("the database password expired", space="handbook")).choices
    assert await brain.knowledge.store.get_adapter(handbook.adapter_id) == stored


async def test_personal_spaces_are_invisible_to_others(brain: Astrocyte) -> None:
    """Notes section 12 #10: a cached layer bypassed the space check there; here every lookup checks it."""
    mine = (await brain.knowledge.train(document())).adapters[0]
    stored = await brain.knowledge.store.get_adapter(mine.adapter_id)
    assert stored is not None
    by_id = f"astrocyte://adapter/{mine.adapter_id}"
    assert await brain.knowledge.export(by_id)
    for call in (
        brain.knowledge.export(by_id, principal="carol"),
        brain.knowledge.export(mine.uri, principal="carol"),
        brain.knowledge.tune(f"astrocyte://layer/{stored.layers[0].layer_id}", "x", principal="carol"),
        brain.knowledge.forward(by_id, principal="carol"),
        brain.knowledge.artifacts(by_id, principal="carol"),
    ):
        with pytest.raises(NotFound):
            await call
    assert (await brain.knowledge.activate("the database password expired", principal="carol")).choices == []


async def test_spaces_lists_personal_groups_and_protected(brain: Astrocyte) -> None:
    await brain.knowledge.train(OTHER, space="group:ops")
    spaces = {space.space_id: space for space in await brain.knowledge.spaces()}
    assert list(spaces) == ["user:ana", "group:all", "group:ops", "space:handbook"]
    assert spaces["space:handbook"].writable is False
    assert spaces["group:ops"].writable is True
    assert [adapter.title for adapter in spaces["group:ops"].adapters] == ["Bake a sourdough loaf"]
    carol = [space.space_id for space in await brain.knowledge.spaces(principal="carol")]
    assert carol == ["user:carol", "group:all", "space:handbook"]
    with pytest.raises(NotFound):
        await brain.knowledge.train(OTHER, space="ops", principal="carol")
    with pytest.raises(ValidationError, match="principal"):
        await brain.knowledge.spaces(principal="bad principal")


async def test_delete_removes_artifacts_so_a_retrain_is_clean(brain: Astrocyte) -> None:
    """Notes section 12 #11: delete left orphan artifacts that blocked retraining there."""
    trained = (await brain.knowledge.train(document())).adapters[0]
    await brain.knowledge.attach(trained.uri, "scripts/rotate.sh", "#!/bin/sh\n")
    deleted = await brain.knowledge.delete(trained.uri)
    assert deleted.artifacts_deleted == 1
    assert await brain.knowledge.store.find_artifacts(["user:ana"]) == []
    again = (await brain.knowledge.train(document())).adapters[0]
    assert again.adapter_id == trained.adapter_id
    assert await brain.knowledge.artifacts(again.uri) == []
    with pytest.raises(NotFound):
        await brain.knowledge.delete("astrocyte://adapter/never-trained")


async def test_bad_uris_and_arguments_are_typed_errors(brain: Astrocyte) -> None:
    for uri in ("http://x", "astrocyte://adapter/Bad_Slug", "astrocyte://layer/not-a-uuid", "astrocyte://thing/x"):
        with pytest.raises(ValidationError, match="uri"):
            await brain.knowledge.export(uri)
    with pytest.raises(ValidationError, match="content"):
        await brain.knowledge.train()
    with pytest.raises(ValidationError, match="content"):
        await brain.knowledge.train([])


async def test_frontmatter_keys_survive_storage_and_export(brain: Astrocyte) -> None:
    """Notes section 12 #1: a frontmatter key (chain_root) was dropped on the way out there; here every
    unknown key is kept as metadata and exported again."""
    source = "---\nchain_root: base-procedure\nreviewed: 2024-05-01\n---\n" + OTHER
    trained = (await brain.knowledge.train(source)).adapters[0]
    stored = await brain.knowledge.store.get_adapter(trained.adapter_id)
    assert stored is not None
    assert stored.metadata == {"chain_root": "base-procedure", "reviewed": "2024-05-01"}
    exported = await brain.knowledge.export(trained.uri)
    assert "chain_root: base-procedure" in exported


async def test_retraining_the_same_document_keeps_every_id(brain: Astrocyte) -> None:
    """Notes section 12 #9: every boot retrained the built-ins there, minting new layer ids each time;
    here retraining identical content (forced) keeps the adapter, its slug and every layer id."""
    first = (await brain.knowledge.train(document())).adapters[0]
    before = await brain.knowledge.store.get_adapter(first.adapter_id)
    again = (await brain.knowledge.train(document(), force_update=True)).adapters[0]
    after = await brain.knowledge.store.get_adapter(again.adapter_id)
    assert (again.adapter_id, again.slug) == (first.adapter_id, first.slug)
    assert before is not None
    assert after is not None
    assert [layer.layer_id for layer in after.layers] == [layer.layer_id for layer in before.layers]
    assert len((await brain.knowledge.spaces())[0].adapters) == 1
