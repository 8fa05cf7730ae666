"""A diagnostic, not a weakly-supervised protocol: add lesion-free frames to
the Kvasir -> CVC target set, to test whether image labels that can say "no
polyp here" stop the false polyps of the README's "Where the extra polyp area
lies".

Every CVC-ClinicDB frame holds a polyp, so all target image labels are
{normal, lesion} and tell the model nothing. For each target training frame
this script takes the first quadrant (top-left, top-right, bottom-left,
bottom-right) that has no polyp pixel within ``--margin`` pixels, enlarges it
2x to the frame's size and writes it as ``<name>_free.jpg`` with the image
label {normal}. It READS THE TARGET TRAINING MASKS to find those quadrants,
which a weakly-supervised method may not: a physician would label such
frames (or crops) as lesion-free at the cost of an image label, which is
what the experiment stands for.

Writes into DATA_ROOT/target/: images/<name>_free.jpg, masks/<name>_free.png
(all normal), train_free.txt (the training frames, then the crops) and
image_labels_free.txt. Usage::

    python tools/convert_datasets/polyp_free_crops.py data/kvasir2cvc
"""
import argparse
import os.path as osp

import cv2
import numpy as np


def free_quadrant(mask: np.ndarray, margin: int):
    """(y0, x0) of the first polyp-free quadrant, or None."""
    height, width = mask.shape
    near = cv2.dilate((mask > 0).astype(np.uint8),
                      np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
    for y0 in (0, height // 2):
        for x0 in (0, width // 2):
            if not near[y0:y0 + height // 2, x0:x0 + width // 2].any():
                return y0, x0
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root')
    parser.add_argument('--margin', type=int, default=8)
    args = parser.parse_args()
    target = osp.join(args.data_root, 'target')
    with open(osp.join(target, 'train.txt')) as f:
        names = [line.strip() for line in f if line.strip()]
    with open(osp.join(target, 'image_labels.txt')) as f:
        labels = [line.rstrip('\n') for line in f if line.strip()]
    crops = []
    for name in names:
        mask_path = osp.join(target, 'masks', name + '.png')
        mask = cv2.imread(mask_path, cv2.IMREAD_GRAYSCALE)
        image = cv2.imread(osp.join(target, 'images', name + '.jpg'))
        if mask is None or image is None:
            raise FileNotFoundError(f'{mask_path} or its image is missing')
        corner = free_quadrant(mask, args.margin)
        if corner is None:
            continue
        y0, x0 = corner
        height, width = mask.shape
        crop = image[y0:y0 + height // 2, x0:x0 + width // 2]
        crop = cv2.resize(crop, (width, height),
                          interpolation=cv2.INTER_LINEAR)
        cv2.imwrite(osp.join(target, 'images', name + '_free.jpg'), crop)
        cv2.imwrite(osp.join(target, 'masks', name + '_free.png'),
                    np.zeros_like(mask))
        crops.append(name + '_free')
    with open(osp.join(target, 'train_free.txt'), 'w') as f:
        f.write('\n'.join(names + crops) + '\n')
    with open(osp.join(target, 'image_labels_free.txt'), 'w') as f:
        f.write('\n'.join(labels + [f'{c} 0' for c in crops]) + '\n')
    print(f'{len(crops)} polyp-free crops of {len(names)} frames added: '
          f'{target}/train_free.txt, image_labels_free.txt')


if __name__ == '__main__':
    main()
