"""Reference page example "3Dオブジェクト" (3-D objects), with ``import runlog as wandb``.

The page opens the files by relative name, so run it next to them:
``cd examples/assets && python ../reference_object3d.py``. The files are opened in text mode,
as on the page; runlog reads their bytes unchanged (the binary glb included).
"""

import runlog as wandb

run = wandb.init()
run.log(
    {
        "generated_samples": [
            wandb.Object3D(open("sample.obj")),
            wandb.Object3D(open("sample.gltf")),
            wandb.Object3D(open("sample.glb")),
        ]
    }
)
