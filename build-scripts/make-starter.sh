#!/usr/bin/env bash
# make-starter.sh - remakes web/starter.icarl, the network the web page (and `icarl learn
# --start`, createLearner({starter})) begins a new learner with: ResNet-14 trained natively on
# about 750 photographed objects that are none of the webcam evaluation set's kinds
# (bench/starter-set.mjs), then stripped of those objects (bench/starter-finish.mjs).
# Deterministic: the same commit and package give the same bytes. About 45 minutes on 2 cores
# (the images about 10, training about 35). docs/accuracy.md ("A network trained beforehand")
# says why and what it changed.
# Usage: build-scripts/make-starter.sh [OUT]   (default web/starter.icarl)
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-web/starter.icarl}
# The pretraining: 60 epochs of the 747 objects' 40 views, the rate stepped down at 70% and 90%;
# a higher rate than a person's steps use, since every weight starts from random here. Softmax
# cross-entropy, as one step of 747 classes is plain classification, where the classes should
# compete for each image (the starter's own settings keep the webcam preset's sigmoid loss). On
# each view's middle 0.85, as a person's frames are cut: the features then tell objects apart by
# the object rather than the room behind it.
pretraining="schedule=epochs,epochs=60,learning_rate=0.05,loss=softmax-kd,centre_crop=0.85"

bash build-scripts/build.sh
node bench/starter-set.mjs --out build/starter-set
mkdir -p build/starter
rm -f build/starter/trained.icarl
echo "\$ build/native/icarl learn --model build/starter/trained.icarl --data build/starter-set/images --set $pretraining"
# (its listing of 747 classes goes to a log: piped into head, the tool would die of SIGPIPE)
build/native/icarl learn --model build/starter/trained.icarl --data build/starter-set/images \
  --set "$pretraining" >build/starter/learn.log
head -1 build/starter/learn.log
node bench/starter-finish.mjs build/starter/trained.icarl "$out"
sha256sum "$out"
